import { Client } from '@hubspot/api-client';
import { LeadscoreError } from '../../src/domain/index.js';
import { networkReason, translateStatus, type HubSpotErrorBody } from './errors.js';
import { INSTALL_PAGE, OPTIONAL_SCOPES, REQUIRED_SCOPES, redirectUri, type HubSpotApp } from './options.js';

/** What Leadscore keeps (sealed) for a portal: enough to call its API and to renew access. */
export interface HubSpotTokens {
  /** 'oauth': the marketplace app's grant; 'private': a private app's token (no renewal). */
  mode: 'oauth' | 'private';
  accessToken: string;
  refreshToken: string | null;
  /** When the access token stops working (OAuth tokens live 30 minutes); null for a private app token. */
  expiresAt: string | null;
  hubId: string;
  hubDomain: string | null;
  scopes: string[];
}

/**
 * HubSpot refused the refresh token itself (400 BAD_REFRESH_TOKEN / invalid_grant): the app was
 * uninstalled from the portal or its grant revoked. Unlike a failed access token, no retry or
 * renewal brings it back; only a new install does.
 */
export class HubSpotGrantRevokedError extends LeadscoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CRM_AUTH_REVOKED', message, options);
    this.name = 'HubSpotGrantRevokedError';
  }
}

/** The vendor client for OAuth calls; every call goes to the configured API base. */
const oauthClient = (app: HubSpotApp) => new Client({ basePath: app.apiBase });

/** A failed typed call carries {code, body} (the generated ApiException): a coded error from it. */
function oauthError(err: unknown, what: string): LeadscoreError {
  if (err instanceof LeadscoreError) return err;
  const e = err as { code?: unknown; body?: unknown; message?: string };
  if (typeof e.code !== 'number') return new LeadscoreError('CRM_REQUEST_FAILED', `HubSpot did not answer ${what}: ${networkReason(err)}`);
  const body = (typeof e.body === 'object' && e.body !== null ? e.body : {}) as HubSpotErrorBody;
  // The token endpoint answers 400 {status: "BAD_REFRESH_TOKEN" | "BAD_AUTH_CODE", message}: the grant is gone.
  if (e.code === 400 && /BAD_REFRESH_TOKEN|BAD_AUTH_CODE|invalid_grant/i.test(`${body.status ?? ''} ${body.message ?? ''} ${(body as { error?: string }).error ?? ''}`)) {
    return new HubSpotGrantRevokedError(`HubSpot refused ${what}: ${body.message ?? body.status}; the app was uninstalled or its access revoked, so the portal must install it again`, { cause: err });
  }
  const translated = translateStatus(e.code, body, what);
  return e.code === 400 ? new LeadscoreError('CRM_AUTH_FAILED', translated.message, { cause: err }) : translated;
}

/** Where to send the admin's browser: HubSpot's install page with our scopes and signed state. */
export function installUrl(app: HubSpotApp, state: string): string {
  if (!app.clientId) throw new LeadscoreError('CRM_NOT_CONFIGURED', 'HUBSPOT_CLIENT_ID is not set, so there is no app to install');
  const params = new URLSearchParams({
    client_id: app.clientId,
    redirect_uri: redirectUri(app),
    scope: REQUIRED_SCOPES.join(' '),
    optional_scope: OPTIONAL_SCOPES.join(' '),
    state,
  });
  return `${INSTALL_PAGE}?${params}`;
}

interface TokenAnswer {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

async function requestTokens(app: HubSpotApp, grant: { code: string } | { refreshToken: string }, what: string): Promise<TokenAnswer> {
  if (!app.clientId || !app.clientSecret) throw new LeadscoreError('CRM_NOT_CONFIGURED', 'HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET are needed for OAuth');
  try {
    const tokens = oauthClient(app).oauth.tokensApi;
    const answer =
      'code' in grant
        ? await tokens.create('authorization_code', grant.code, redirectUri(app), app.clientId, app.clientSecret)
        : await tokens.create('refresh_token', undefined, undefined, app.clientId, app.clientSecret, grant.refreshToken);
    if (!answer.accessToken || !answer.refreshToken || !(answer.expiresIn > 0)) {
      throw new LeadscoreError('CRM_AUTH_FAILED', `HubSpot answered ${what} without an access token, refresh token or lifetime`);
    }
    return answer;
  } catch (err) {
    throw oauthError(err, what);
  }
}

const expiry = (expiresIn: number, now: number) => new Date(now + expiresIn * 1000).toISOString();

/** Trade the authorization code for tokens, then ask HubSpot which portal (hub id) they are for. */
export async function exchangeCode(app: HubSpotApp, code: string, now = Date.now()): Promise<HubSpotTokens> {
  const answer = await requestTokens(app, { code }, 'the authorization code');
  let info;
  try {
    info = await oauthClient(app).oauth.accessTokensApi.get(answer.accessToken);
  } catch (err) {
    throw oauthError(err, 'the access token lookup');
  }
  if (!info.hubId) throw new LeadscoreError('CRM_AUTH_FAILED', 'HubSpot answered the access token lookup without a hub id');
  return {
    mode: 'oauth',
    accessToken: answer.accessToken,
    refreshToken: answer.refreshToken,
    expiresAt: expiry(answer.expiresIn, now),
    hubId: String(info.hubId),
    hubDomain: info.hubDomain ?? null,
    scopes: info.scopes ?? [],
  };
}

/** A new access token from the refresh token (HubSpot keeps the refresh token the same). */
export async function refreshTokens(app: HubSpotApp, tokens: HubSpotTokens, now = Date.now()): Promise<HubSpotTokens> {
  if (!tokens.refreshToken) throw new LeadscoreError('CRM_AUTH_REVOKED', `the HubSpot connection for portal ${tokens.hubId} has no refresh token; connect it again`);
  const answer = await requestTokens(app, { refreshToken: tokens.refreshToken }, 'the refresh token');
  return { ...tokens, accessToken: answer.accessToken, refreshToken: answer.refreshToken, expiresAt: expiry(answer.expiresIn, now) };
}

/** A private app token: which portal it belongs to (GET /account-info/v3/details). */
export async function privateAppTokens(app: HubSpotApp, token: string): Promise<HubSpotTokens> {
  let res;
  try {
    res = await new Client({ basePath: app.apiBase, accessToken: token }).apiRequest({ method: 'GET', path: '/account-info/v3/details' });
  } catch (err) {
    throw new LeadscoreError('CRM_REQUEST_FAILED', `HubSpot did not answer the account details request: ${networkReason(err)}`);
  }
  const text = await res.text();
  if (!res.ok) {
    const body = (() => {
      try {
        return JSON.parse(text) as HubSpotErrorBody;
      } catch {
        return null;
      }
    })();
    throw translateStatus(res.status, body, 'the account details request for the private app token');
  }
  const details = JSON.parse(text) as { portalId?: number; uiDomain?: string };
  if (!details.portalId) throw new LeadscoreError('CRM_AUTH_FAILED', 'HubSpot answered the account details request without a portal id');
  return { mode: 'private', accessToken: token, refreshToken: null, expiresAt: null, hubId: String(details.portalId), hubDomain: details.uiDomain ?? null, scopes: [] };
}
