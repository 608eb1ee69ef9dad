import { createSign } from 'node:crypto';
import jsforce from 'jsforce';
import { LeadscoreError } from '../../src/domain/index.js';
import type { SalesforceApp } from './options.js';

/** What Leadscore keeps (sealed) for an org: enough to call its API and to renew access. */
export interface SalesforceTokens {
  accessToken: string;
  refreshToken: string | null;
  instanceUrl: string;
  /** The host tokens are renewed at (production, sandbox or My Domain). */
  loginUrl: string;
  orgId: string;
  userId: string;
  issuedAt: string;
}

interface TokenAnswer {
  access_token: string;
  refresh_token?: string;
  instance_url: string;
  id: string;
  issued_at: string;
}

/** The identity URL ends in /id/<org id>/<user id>. */
function tokensFrom(answer: TokenAnswer, loginUrl: string): SalesforceTokens {
  const m = /\/id\/([A-Za-z0-9]{15,18})\/([A-Za-z0-9]{15,18})\/?$/.exec(answer.id ?? '');
  if (!answer.access_token || !answer.instance_url || !m) {
    throw new LeadscoreError('CRM_AUTH_FAILED', 'Salesforce answered the token request without an access token, instance URL or identity URL');
  }
  return {
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token ?? null,
    instanceUrl: answer.instance_url.replace(/\/+$/, ''),
    loginUrl,
    orgId: m[1]!,
    userId: m[2]!,
    issuedAt: answer.issued_at,
  };
}

/** Salesforce's OAuth errors ({error, error_description}) as coded errors. */
function authError(err: unknown, what: string): LeadscoreError {
  const e = err as { name?: string; message?: string; errorCode?: string };
  // Salesforce answers {"error": "invalid_grant"} for a revoked or expired refresh token or code.
  const revoked = e.name === 'invalid_grant' || e.errorCode === 'invalid_grant' || /invalid_grant|expired access\/refresh token/.test(e.message ?? '');
  const code = revoked ? 'CRM_AUTH_REVOKED' : 'CRM_AUTH_FAILED';
  return new LeadscoreError(code, `Salesforce refused ${what}: ${e.message ?? String(err)}`, { cause: err });
}

function oauth2(app: SalesforceApp, loginUrl: string) {
  return new jsforce.OAuth2({
    loginUrl,
    clientId: app.clientId,
    ...(app.clientSecret ? { clientSecret: app.clientSecret } : {}),
    ...(app.redirectUri ? { redirectUri: app.redirectUri } : {}),
  });
}

/** Where to send the admin's browser: the org's consent page, carrying our signed state. */
export function authorizationUrl(app: SalesforceApp, loginUrl: string, state: string): string {
  if (!app.redirectUri) throw new LeadscoreError('CRM_NOT_CONFIGURED', 'PUBLIC_URL is not set, so there is no callback address for Salesforce to return to');
  return oauth2(app, loginUrl).getAuthorizationUrl({ scope: 'api refresh_token', state, prompt: 'login consent' });
}

/** Web server flow: trade the authorization code for tokens. */
export async function exchangeCode(app: SalesforceApp, loginUrl: string, code: string): Promise<SalesforceTokens> {
  try {
    return tokensFrom((await oauth2(app, loginUrl).requestToken(code)) as TokenAnswer, loginUrl);
  } catch (err) {
    throw err instanceof LeadscoreError ? err : authError(err, 'the authorization code');
  }
}

/** JWT bearer flow, for one org run by its own admin: a signed assertion instead of a browser. */
export async function jwtBearerTokens(app: SalesforceApp, now = new Date()): Promise<SalesforceTokens> {
  if (!app.username || !app.privateKey) {
    throw new LeadscoreError('CRM_NOT_CONFIGURED', 'the JWT flow needs SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY');
  }
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const claims = { iss: app.clientId, sub: app.username, aud: app.loginUrl, exp: Math.floor(now.getTime() / 1000) + 180 };
  const unsigned = `${b64({ alg: 'RS256' })}.${b64(claims)}`;
  let signature: string;
  try {
    signature = createSign('RSA-SHA256').update(unsigned).sign(app.privateKey, 'base64url');
  } catch (err) {
    throw new LeadscoreError('CONFIG_INVALID', `SALESFORCE_PRIVATE_KEY is not a usable RSA private key: ${(err as Error).message}`);
  }
  try {
    const answer = await oauth2(app, app.loginUrl).requestToken({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${unsigned}.${signature}` });
    return tokensFrom(answer as TokenAnswer, app.loginUrl);
  } catch (err) {
    throw err instanceof LeadscoreError ? err : authError(err, 'the JWT assertion');
  }
}

export { authError };
