import { z } from 'zod';
import { authorizationUrl, exchangeCode, type SalesforceApp } from '../../../connectors/salesforce/index.js';
import { INSTALL_PAGE, REQUIRED_SCOPES, type HubSpotApp } from '../../../connectors/hubspot/index.js';
import { LeadscoreError } from '../../domain/index.js';

/**
 * Who is signing in, as the CRM says: the Salesforce org and user behind an authorization code
 * (token exchange, then /services/oauth2/userinfo), or the HubSpot portal and user (token
 * exchange, then /oauth/v1/access-tokens/:token). The tokens are used once and dropped.
 */
export interface CrmIdentity {
  kind: 'salesforce' | 'hubspot';
  /** Org id or hub id: the account a tenant's connection names. */
  accountId: string;
  userId: string;
  displayName: string;
  email: string | null;
}

export const SALESFORCE_SIGN_IN_CALLBACK = '/app/auth/salesforce/callback';
export const HUBSPOT_SIGN_IN_CALLBACK = '/app/auth/hubspot/callback';

/** The Connected App with the sign-in callback instead of the connect callback (both registered on the app). */
function signInApp(app: SalesforceApp, publicUrl: string): SalesforceApp {
  return { ...app, redirectUri: `${publicUrl}${SALESFORCE_SIGN_IN_CALLBACK}` };
}

export function salesforceSignInUrl(app: SalesforceApp, publicUrl: string, loginUrl: string, state: string): string {
  return authorizationUrl(signInApp(app, publicUrl), loginUrl, state);
}

const UserInfo = z.object({ user_id: z.string(), organization_id: z.string(), name: z.string().optional(), email: z.string().optional(), preferred_username: z.string().optional() });

export async function salesforceIdentity(app: SalesforceApp, publicUrl: string, loginUrl: string, code: string): Promise<CrmIdentity> {
  const tokens = await exchangeCode(signInApp(app, publicUrl), loginUrl, code);
  const res = await crmFetch(`${tokens.instanceUrl}/services/oauth2/userinfo`, { headers: { authorization: `Bearer ${tokens.accessToken}` } }, 'Salesforce', 'the userinfo request');
  const info = UserInfo.safeParse(await res.json());
  if (!info.success) throw new LeadscoreError('CRM_AUTH_FAILED', 'Salesforce answered the userinfo request without a user id and organization id');
  // Ids come as 18 characters; the identity URL of the token answer names the same org and user.
  if (info.data.organization_id.slice(0, 15) !== tokens.orgId.slice(0, 15)) throw new LeadscoreError('CRM_AUTH_FAILED', 'Salesforce named a different org in userinfo than in the token answer');
  return {
    kind: 'salesforce',
    accountId: tokens.orgId,
    userId: tokens.userId,
    displayName: info.data.name ?? info.data.preferred_username ?? info.data.email ?? tokens.userId,
    email: info.data.email ?? null,
  };
}

export function hubspotSignInUrl(app: HubSpotApp, state: string): string {
  if (!app.clientId || !app.publicUrl) throw new LeadscoreError('CRM_NOT_CONFIGURED', 'HUBSPOT_CLIENT_ID and PUBLIC_URL are needed to sign in with HubSpot');
  const params = new URLSearchParams({ client_id: app.clientId, redirect_uri: `${app.publicUrl}${HUBSPOT_SIGN_IN_CALLBACK}`, scope: REQUIRED_SCOPES.join(' '), state });
  return `${INSTALL_PAGE}?${params}`;
}

const HubSpotToken = z.object({ access_token: z.string().min(1) });
const HubSpotTokenInfo = z.object({ user: z.string().optional(), hub_id: z.number(), user_id: z.number() });

export async function hubspotIdentity(app: HubSpotApp, code: string): Promise<CrmIdentity> {
  if (!app.clientId || !app.clientSecret || !app.publicUrl) throw new LeadscoreError('CRM_NOT_CONFIGURED', 'HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET and PUBLIC_URL are needed to sign in with HubSpot');
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: app.clientId,
    client_secret: app.clientSecret,
    redirect_uri: `${app.publicUrl}${HUBSPOT_SIGN_IN_CALLBACK}`,
    code,
  });
  const tokenRes = await crmFetch(`${app.apiBase}/oauth/v1/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form }, 'HubSpot', 'the authorization code');
  const token = HubSpotToken.safeParse(await tokenRes.json());
  if (!token.success) throw new LeadscoreError('CRM_AUTH_FAILED', 'HubSpot answered the authorization code without an access token');
  const infoRes = await crmFetch(`${app.apiBase}/oauth/v1/access-tokens/${encodeURIComponent(token.data.access_token)}`, {}, 'HubSpot', 'the access token lookup');
  const info = HubSpotTokenInfo.safeParse(await infoRes.json());
  if (!info.success) throw new LeadscoreError('CRM_AUTH_FAILED', 'HubSpot answered the access token lookup without hub_id and user_id');
  return { kind: 'hubspot', accountId: String(info.data.hub_id), userId: String(info.data.user_id), displayName: info.data.user ?? `HubSpot user ${info.data.user_id}`, email: info.data.user ?? null };
}

async function crmFetch(url: string, init: RequestInit, crm: string, what: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    throw new LeadscoreError('CRM_REQUEST_FAILED', `${crm} did not answer ${what}: ${(err as Error).message}`);
  }
  if (!res.ok) {
    const body = await res.text();
    const message = /"(?:error_description|message)"\s*:\s*"([^"]{1,200})"/.exec(body)?.[1] ?? `HTTP ${res.status}`;
    throw new LeadscoreError('CRM_AUTH_FAILED', `${crm} refused ${what}: ${message}`);
  }
  return res;
}
