import { randomBytes } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { loginHostFor, type SalesforceTokens } from '../../../connectors/salesforce/index.js';
import { isLeadscoreError, type TenantId } from '../../domain/index.js';
import { authenticateApiKey, createWebSession, deleteWebSession, getConnection, tenantsForAccount, upsertWebUser, type WebUser } from '../../store/index.js';
import { sendPage, type WebDeps } from './context.js';
import { html } from './html.js';
import { hubspotIdentity, hubspotSignInUrl, salesforceIdentity, salesforceSignInUrl, type CrmIdentity } from './identity.js';
import { clearCookie, readCookie, SESSION_COOKIE, SESSION_LIFETIME_MS, setCookie } from './security.js';

/** Binds a sign-in attempt to the browser that started it (login CSRF): a random value in a cookie and in the form or OAuth state. */
const PRE_COOKIE = 'ls_signin';
const PRE_LIFETIME_MS = 10 * 60_000;

const ApiKeyForm = z.object({ key: z.string().trim().min(1, 'enter an API key').max(300), _pre: z.string().min(1), next: z.string().optional() });

/** Only paths inside the app are followed after sign-in (no open redirect). */
const safeNext = (next: unknown) => (typeof next === 'string' && /^\/app(\/[\w\-./?=&%]*)?$/.test(next) && !next.startsWith('//') ? next : '/app');

/**
 * Sign-in and sign-out. The embedded quick start signs in with the admin API key `npm start`
 * prints; a connected account signs in through its CRM (Salesforce or HubSpot OAuth), which
 * names the org or portal and so the tenant whose connection has it.
 */
export function authRouter(deps: WebDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  const secure = deps.secureCookies;

  const preToken = (req: Request, res: Response): string => {
    const token = randomBytes(18).toString('base64url');
    setCookie(req, res, PRE_COOKIE, token, PRE_LIFETIME_MS, secure);
    return token;
  };

  const signInPage = (req: Request, res: Response, status = 200, error: string | null = null) => {
    const pre = preToken(req, res);
    const next = safeNext(req.query.next ?? (req.body as { next?: string } | undefined)?.next);
    const sf = deps.salesforce && deps.publicUrl;
    const hs = deps.hubspot?.clientId && deps.hubspot.clientSecret && deps.publicUrl;
    const crmButtons =
      sf || hs
        ? html`<section class="card"><h2>With your CRM account</h2><p>For people of an account whose Salesforce org or HubSpot portal is connected.</p>
<ul class="buttons">
${sf ? html`<li><a class="button" href="/app/sign-in/salesforce?environment=production">Sign in with Salesforce</a></li><li><a class="button secondary" href="/app/sign-in/salesforce?environment=sandbox">Salesforce sandbox</a></li>` : ''}
${hs ? html`<li><a class="button" href="/app/sign-in/hubspot">Sign in with HubSpot</a></li>` : ''}
</ul></section>`
        : html`<p class="muted">Signing in with Salesforce or HubSpot is offered once the server has a Connected App or HubSpot app and <code>PUBLIC_URL</code>.</p>`;
    sendPage(req, res, deps, {
      title: 'Sign in',
      status,
      flash: error ? { kind: 'error', text: error } : null,
      body: html`${crmButtons}
<section class="card"><h2>With an admin API key</h2>
<p>The first <code>npm start</code> prints one; <code>leadscore api-key create --scopes admin</code> makes more.</p>
<form method="post" action="/app/sign-in/api-key">
<input type="hidden" name="_pre" value="${pre}"><input type="hidden" name="next" value="${next}">
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="off" required placeholder="ls_…">
<button type="submit">Sign in</button>
</form></section>`,
    });
  };

  const startSession = async (req: Request, res: Response, user: WebUser, next: string) => {
    const session = await createWebSession(deps.db, user.tenant, user.userKey, SESSION_LIFETIME_MS);
    setCookie(req, res, SESSION_COOKIE, session.token, SESSION_LIFETIME_MS, secure);
    clearCookie(req, res, PRE_COOKIE, secure);
    req.log.info('web sign-in', { tenant: user.tenant, webUser: user.userKey, role: user.role });
    res.redirect(303, next);
  };

  router.get('/sign-in', (req, res) => signInPage(req, res));

  router.post('/sign-in/api-key', form, async (req, res, next) => {
    try {
      const parsed = ApiKeyForm.safeParse(req.body);
      if (!parsed.success) return signInPage(req, res, 400, parsed.error.issues[0]!.message);
      if (parsed.data._pre !== readCookie(req, PRE_COOKIE)) return signInPage(req, res, 403, 'This sign-in form expired or came from elsewhere; try again.');
      const identity = await authenticateApiKey(deps.db, parsed.data.key);
      if (!identity) return signInPage(req, res, 401, 'That API key is not valid (unknown, mistyped or revoked).');
      if (!identity.scopes.includes('admin')) return signInPage(req, res, 403, 'That API key lacks the "admin" scope; sign in with an admin key.');
      const user = await upsertWebUser(deps.db, identity.tenant, { userKey: `api-key:${identity.keyId}`, displayName: `API key ${identity.label || identity.keyId}`, email: null, role: 'admin' });
      await startSession(req, res, user, safeNext(parsed.data.next));
    } catch (err) {
      next(err);
    }
  });

  // CRM sign-in: a signed state carrying the CRM, the login host and the browser's sign-in nonce.
  const state = (crm: string, loginUrl: string, pre: string) => {
    const payload = Buffer.from(JSON.stringify({ c: crm, l: loginUrl, p: pre, e: Date.now() + PRE_LIFETIME_MS })).toString('base64url');
    return `${payload}.${deps.vault.sign(payload)}`;
  };
  const checkState = (req: Request, crm: string): { loginUrl: string } => {
    const [payload, signature] = String(req.query.state ?? '').split('.');
    if (!payload || !signature || !deps.vault.verify(payload, signature)) throw new SignInError('The sign-in answer did not carry a state this server issued; start again.');
    const s = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { c: string; l: string; p: string; e: number };
    if (s.c !== crm) throw new SignInError('The sign-in answer belongs to another CRM; start again.');
    if (s.e < Date.now()) throw new SignInError('Signing in took longer than 10 minutes; start again.');
    if (s.p !== readCookie(req, PRE_COOKIE)) throw new SignInError('This sign-in was started in another browser or has already finished; start again.');
    return { loginUrl: s.l };
  };

  router.get('/sign-in/salesforce', (req, res, next) => {
    try {
      if (!deps.salesforce || !deps.publicUrl) return signInPage(req, res, 404, 'Salesforce sign-in is not configured on this server.');
      const environment = req.query.environment === 'sandbox' ? 'sandbox' : 'production';
      const loginUrl = loginHostFor(deps.salesforce, environment);
      res.redirect(302, salesforceSignInUrl(deps.salesforce, deps.publicUrl, loginUrl, state('salesforce', loginUrl, preToken(req, res))));
    } catch (err) {
      next(err);
    }
  });

  router.get('/sign-in/hubspot', (req, res, next) => {
    try {
      if (!deps.hubspot?.clientId || !deps.publicUrl) return signInPage(req, res, 404, 'HubSpot sign-in is not configured on this server.');
      res.redirect(302, hubspotSignInUrl(deps.hubspot, state('hubspot', 'hubspot', preToken(req, res))));
    } catch (err) {
      next(err);
    }
  });

  const callback = (crm: 'salesforce' | 'hubspot') => async (req: Request, res: Response) => {
    try {
      const q = req.query as Record<string, string | undefined>;
      if (q.error) throw new SignInError(`${crm === 'salesforce' ? 'Salesforce' : 'HubSpot'} did not sign you in: ${q.error_description ?? q.error}`);
      if (!q.code) throw new SignInError('The sign-in answer carried no authorization code; start again.');
      const { loginUrl } = checkState(req, crm);
      const identity = crm === 'salesforce' ? await salesforceIdentity(deps.salesforce!, deps.publicUrl!, loginUrl, q.code) : await hubspotIdentity(deps.hubspot!, q.code);
      const user = await signInCrmUser(deps, identity);
      await startSession(req, res, user, '/app');
    } catch (err) {
      if (err instanceof SignInError) return signInPage(req, res, 403, err.message);
      if (isLeadscoreError(err) && err.code.startsWith('CRM_')) return signInPage(req, res, 502, err.message);
      req.log.error('web sign-in failed', { error: err });
      signInPage(req, res, 500, 'Something went wrong while signing you in; the server log has the details.');
    }
  };
  router.get('/auth/salesforce/callback', (req, res, next) => (deps.salesforce && deps.publicUrl ? callback('salesforce')(req, res) : next()));
  router.get('/auth/hubspot/callback', (req, res, next) => (deps.hubspot?.clientId && deps.publicUrl ? callback('hubspot')(req, res) : next()));

  router.post('/sign-out', form, async (req, res, next) => {
    try {
      // Signing out needs no CSRF token: the worst a forged sign-out does is sign someone out.
      const token = readCookie(req, SESSION_COOKIE);
      if (token) await deleteWebSession(deps.db, token);
      clearCookie(req, res, SESSION_COOKIE, secure);
      res.redirect(303, '/app/sign-in');
    } catch (err) {
      next(err);
    }
  });
  return router;
}

class SignInError extends Error {}

/**
 * The tenant is the one whose connection has this org or portal. The Salesforce user who
 * connected the org is admin; otherwise the first person to sign in is, and the rest are viewers
 * until an admin says otherwise.
 */
async function signInCrmUser(deps: WebDeps, identity: CrmIdentity): Promise<WebUser> {
  const crm = identity.kind === 'salesforce' ? 'Salesforce org' : 'HubSpot portal';
  const tenants = await tenantsForAccount(deps.db, identity.kind, identity.accountId);
  if (tenants.length === 0) throw new SignInError(`No Leadscore account has the ${crm} ${identity.accountId} connected. An admin connects it first (sign in with the admin API key, then Connections).`);
  if (tenants.length > 1) throw new SignInError(`The ${crm} ${identity.accountId} is connected to several Leadscore accounts; sign in with an API key instead.`);
  const tenant = tenants[0]! as TenantId;
  let role: 'admin' | 'first-is-admin' = 'first-is-admin';
  if (identity.kind === 'salesforce') {
    const connection = await getConnection(deps.db, tenant, `salesforce-${identity.accountId}`);
    if (connection?.credentials) {
      try {
        if (deps.vault.open<SalesforceTokens>(connection.credentials).userId === identity.userId) role = 'admin';
      } catch {
        // Tokens sealed under another key: no connector to compare with.
      }
    }
  }
  return upsertWebUser(deps.db, tenant, { userKey: `${identity.kind}:${identity.accountId}:${identity.userId}`, displayName: identity.displayName, email: identity.email, role });
}

