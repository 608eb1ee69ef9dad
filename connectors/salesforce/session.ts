import jsforce from 'jsforce';
import { LeadscoreError } from '../../src/domain/index.js';
import { CsvReader } from '../shared/csv.js';
import { DEFAULT_LONG_RUNNING_LIMIT, longRunningGate, type Semaphore } from './long-running.js';
import { authError, type SalesforceTokens } from './oauth.js';
import { SALESFORCE_API_VERSION, type SalesforceApp } from './options.js';

export interface SalesforceSession {
  connection: jsforce.Connection;
  tokens: SalesforceTokens;
  /** A REST call under /services/data/vXX.X; vendor errors come back as coded errors. */
  get<T>(path: string): Promise<T>;
  /** A GET of a path the API itself returned (e.g. nextRecordsUrl). */
  getUrl<T>(url: string): Promise<T>;
  /** A Bulk API 2.0 query: rows as they arrive (every value text). */
  bulkQuery(soql: string, polling: { pollInterval: number; pollTimeout: number }): Promise<AsyncIterable<Record<string, string>>>;
  /** A JSON request with a body under /services/data/vXX.X. */
  send<T>(method: 'PATCH' | 'POST', path: string, body: unknown): Promise<T>;
}

/**
 * An API session for an org. An expired access token (401 INVALID_SESSION_ID) is renewed with the
 * refresh token and the call retried once by jsforce; `onRefresh` receives the new tokens to
 * store. A revoked refresh token becomes CRM_AUTH_REVOKED: the connection needs a reconnect.
 */
export interface SessionOptions {
  /** Share of the org's daily API allowance this app may use (the org's other integrations need the rest). */
  maxApiShare?: number;
  /** Long-running calls (queries, Bulk API) of this org at once from this process; default the app's SALESFORCE_LONG_RUNNING_LIMIT. */
  longRunningLimit?: number;
}

export function openSession(
  app: SalesforceApp,
  tokens: SalesforceTokens,
  onRefresh: (tokens: SalesforceTokens) => void | Promise<void>,
  options: SessionOptions = {},
): SalesforceSession {
  const maxApiShare = options.maxApiShare ?? 0.5;
  const gate = longRunningGate(tokens.orgId, options.longRunningLimit ?? app.longRunningLimit ?? DEFAULT_LONG_RUNNING_LIMIT);
  // Queries can run long (a big SOQL query, a page of one); other REST calls are quick.
  const isQuery = (path: string) => /(^|\/)query(All)?([/?]|$)/.test(path);
  const connection = new jsforce.Connection({
    oauth2: {
      loginUrl: tokens.loginUrl,
      clientId: app.clientId,
      ...(app.clientSecret ? { clientSecret: app.clientSecret } : {}),
      ...(app.redirectUri ? { redirectUri: app.redirectUri } : {}),
    },
    instanceUrl: tokens.instanceUrl,
    accessToken: tokens.accessToken,
    ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
    version: SALESFORCE_API_VERSION,
  });
  const session: SalesforceSession = {
    connection,
    tokens,
    async get<T>(path: string): Promise<T> {
      checkAllowance(connection, maxApiShare);
      try {
        const request = () => connection.request<T>(`/services/data/v${SALESFORCE_API_VERSION}${path}`) as Promise<T>;
        return await (isQuery(path) ? gate.run(request) : request());
      } catch (err) {
        throw translate(err, `GET ${path}`);
      }
    },
    async send<T>(method: 'PATCH' | 'POST', path: string, body: unknown): Promise<T> {
      checkAllowance(connection, maxApiShare);
      try {
        return (await connection.request<T>({
          method,
          url: `/services/data/v${SALESFORCE_API_VERSION}${path}`,
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json' },
        })) as T;
      } catch (err) {
        throw translate(err, `${method} ${path}`);
      }
    },
    async bulkQuery(soql: string, polling: { pollInterval: number; pollTimeout: number }): Promise<AsyncIterable<Record<string, string>>> {
      const base = `/services/data/v${SALESFORCE_API_VERSION}/jobs/query`;
      const call = async <T>(request: Parameters<jsforce.Connection['request']>[0], what: string): Promise<T> => {
        checkAllowance(connection, maxApiShare);
        try {
          return await gate.run(() => connection.request<T>(request) as Promise<T>);
        } catch (err) {
          throw translate(err, what);
        }
      };
      const job = await call<{ id: string }>(
        { method: 'POST', url: base, body: JSON.stringify({ operation: 'query', query: soql }), headers: { 'content-type': 'application/json' } },
        'Bulk API query job',
      );
      const deadline = Date.now() + polling.pollTimeout;
      for (;;) {
        const info = await call<{ state: string; errorMessage?: string }>({ method: 'GET', url: `${base}/${job.id}` }, 'Bulk API job status');
        if (info.state === 'JobComplete') break;
        if (info.state === 'Failed' || info.state === 'Aborted') {
          throw new LeadscoreError('CRM_REQUEST_FAILED', `Salesforce Bulk API query job ${job.id} ${info.state.toLowerCase()}: ${info.errorMessage ?? 'no reason given'}`);
        }
        if (Date.now() > deadline) throw new LeadscoreError('CRM_REQUEST_FAILED', `Salesforce Bulk API query job ${job.id} did not finish within ${polling.pollTimeout} ms`);
        await new Promise((r) => setTimeout(r, polling.pollInterval));
      }
      return bulkResults(connection, `${base}/${job.id}/results`, () => checkAllowance(connection, maxApiShare), gate);
    },
    async getUrl<T>(url: string): Promise<T> {
      checkAllowance(connection, maxApiShare);
      try {
        const request = () => connection.request<T>(url) as Promise<T>;
        return await (isQuery(url) ? gate.run(request) : request());
      } catch (err) {
        throw translate(err, `GET ${url}`);
      }
    },
  };
  connection.on('refresh', (accessToken: string) => {
    session.tokens = { ...session.tokens, accessToken, issuedAt: String(Date.now()) };
    void onRefresh(session.tokens);
  });
  return session;
}

/**
 * The pages of a finished Bulk API 2.0 query: each a CSV document with its header row, the next
 * one named by the Sforce-Locator header ("null" after the last). Fetched with the session's token
 * because the headers matter here; rows come out as objects keyed by the header. A large download
 * can outlast the access token: a page answered 401 renews it the way jsforce renews its own
 * calls (the 'refresh' event stores it) and is asked once more.
 */
async function* bulkResults(connection: jsforce.Connection, path: string, check: () => void, gate: Semaphore): AsyncIterable<Record<string, string>> {
  let locator: string | null = null;
  do {
    check();
    const url: string = `${connection.instanceUrl}${path}${locator ? `?locator=${encodeURIComponent(locator)}` : ''}`;
    const page = () =>
      gate.run(async () => {
        const res: Response = await fetch(url, { headers: { Authorization: `Bearer ${connection.accessToken}`, Accept: 'text/csv' } });
        return { res, body: await res.text() };
      });
    const asked = Date.now();
    let { res, body } = await page();
    if (res.status === 401 && connection._refreshDelegate) {
      try {
        await connection._refreshDelegate.refresh(asked);
      } catch (err) {
        throw translate(err, `Bulk API results ${path} (renewing the access token)`);
      }
      ({ res, body } = await page());
    }
    if (!res.ok) throw new LeadscoreError('CRM_REQUEST_FAILED', `Salesforce Bulk API results ${path}: HTTP ${res.status} ${body.slice(0, 300)}`);
    locator = res.headers.get('sforce-locator');
    if (locator === 'null' || locator === '') locator = null;
    const csv = new CsvReader();
    const items = [...csv.push(body), ...csv.end()];
    let header: string[] | null = null;
    for (const item of items) {
      if (item.kind === 'problem') throw new LeadscoreError('CRM_REQUEST_FAILED', `Salesforce Bulk API results ${path}: line ${item.line}: ${item.reason}`);
      if (!header) {
        header = item.fields;
        continue;
      }
      const row: Record<string, string> = {};
      header.forEach((name, i) => (row[name] = item.fields[i] ?? ''));
      yield row;
    }
  } while (locator);
}

/**
 * Salesforce reports the org's daily API use on every answer (Sforce-Limit-Info: api-usage=n/m,
 * which jsforce keeps in limitInfo); stop before this app takes more than its share.
 */
function checkAllowance(connection: jsforce.Connection, maxShare: number): void {
  const usage = (connection.limitInfo as { apiUsage?: { used: number; limit: number } }).apiUsage;
  if (usage && usage.limit > 0 && usage.used >= usage.limit * maxShare) {
    throw new LeadscoreError(
      'CRM_LIMIT_REACHED',
      `the org has used ${usage.used} of its ${usage.limit} daily API calls; Leadscore stops at ${Math.round(maxShare * 100)}% to leave the rest to other integrations, and resumes when the allowance renews`,
    );
  }
}

/** Vendor errors become coded errors where they enter. */
export function translate(err: unknown, what: string): LeadscoreError {
  if (err instanceof LeadscoreError) return err;
  const e = err as { name?: string; errorCode?: string; message?: string };
  if (e.errorCode === 'REQUEST_LIMIT_EXCEEDED' || e.name === 'REQUEST_LIMIT_EXCEEDED') {
    return new LeadscoreError('CRM_LIMIT_REACHED', `Salesforce refused ${what}: the org's API limit is exceeded (${e.message ?? ''}); try again later`, { cause: err });
  }
  if (e.name === 'invalid_grant' || e.errorCode === 'invalid_grant' || /invalid_grant|expired access\/refresh token/.test(e.message ?? '')) {
    return authError(err, 'the refresh token');
  }
  return new LeadscoreError('CRM_REQUEST_FAILED', `Salesforce ${what} failed: ${e.errorCode ? `${e.errorCode}: ` : ''}${e.message ?? String(err)}`, { cause: err });
}
