import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/config/log.js';
import { loadVault } from '../src/config/secrets.js';
import { tenantId } from '../src/domain/index.js';
import { verifyState } from '../src/crm/salesforce-connect.js';
import { setCookie } from '../src/server/web/security.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { createApiKey, createWebSession, ensureTenant, noteConnection, saveConnection, upsertWebUser } from '../src/store/index.js';

/** HTTP checks of the web app: headers, cookies, CSRF, roles, and CRM sign-in with nock standing in for the CRMs. */
const ADMIN = 'ls_webhttpadm01_abcdefghijklmnopqrstuvwxyz012345';
const LOGIN = 'https://login.salesforce.com';
const INSTANCE = 'https://acme.my.salesforce.com';
const ORG = '00D5e000000AbCdEAF';
const CONNECTOR_USER = '0055e000001XyZaAAB';
const OTHER_USER = '0055e000001QrStAAC';
const HUB = 62515;
const env = { SALESFORCE_CLIENT_ID: '3MVG9test.client.id', SALESFORCE_CLIENT_SECRET: 'test-client-secret', HUBSPOT_CLIENT_ID: 'hs-client', HUBSPOT_CLIENT_SECRET: 'hs-secret', PUBLIC_URL: 'http://localhost:3000' };
const demo = tenantId('demo');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'web-http-'));
let server: RunningServer;
let base: string;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  const config = loadConfig({ DATA_DIR: dir, PORT: '0', DEMO_LEADS: '120', DEMO_SEED: '5', LEADSCORE_BOOTSTRAP_API_KEY: ADMIN, LOG_LEVEL: 'error' });
  server = await startServer(config, createLogger('error', () => undefined), { env });
  base = server.url.replace('localhost', '127.0.0.1');
  await server.jobs.idle();
  // The org and portal are connected to the demo tenant; the Salesforce tokens name who connected it.
  const vault = loadVault(config.encryptionKey, config.dataDir);
  const tokens = { accessToken: 'x', refreshToken: null, instanceUrl: INSTANCE, loginUrl: LOGIN, orgId: ORG, userId: CONNECTOR_USER, issuedAt: '0' };
  await saveConnection(server.db, demo, { id: `salesforce-${ORG}`, kind: 'salesforce', externalAccountId: ORG, status: 'active', settings: {}, credentials: vault.seal(tokens) });
  await saveConnection(server.db, demo, { id: `hubspot-${HUB}`, kind: 'hubspot', externalAccountId: String(HUB), status: 'active', settings: {}, credentials: null });
});
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(async () => {
  nock.enableNetConnect();
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A browser's cookie jar for one person. */
class Client {
  cookies = new Map<string, string>();
  async request(method: string, route: string, form?: Record<string, string | string[]>): Promise<{ status: number; text: string; headers: Headers; setCookies: string[] }> {
    const body = form ? new URLSearchParams(Object.entries(form).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, v] as [string, string]]))) : undefined;
    const res = await fetch(route.startsWith('http') ? route : `${base}${route}`, {
      method,
      redirect: 'manual',
      headers: { ...(this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(body ? { body } : {}),
    });
    const setCookies = res.headers.getSetCookie();
    for (const c of setCookies) {
      const [pair] = c.split(';');
      const [name, value] = pair!.split('=');
      if (/Max-Age=0/.test(c)) this.cookies.delete(name!);
      else this.cookies.set(name!, value!);
    }
    return { status: res.status, text: await res.text(), headers: res.headers, setCookies };
  }
  get = (route: string) => this.request('GET', route);
  post = (route: string, form: Record<string, string | string[]>) => this.request('POST', route, form);
  /** The CSRF token of the page at `route`. */
  async csrf(route = '/app/tiers'): Promise<string> {
    const page = await this.get(route);
    return /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  }
}

async function signInWithKey(key = ADMIN): Promise<{ client: Client; status: number; setCookies: string[]; location: string | null }> {
  const client = new Client();
  const page = await client.get('/app/sign-in');
  const pre = /name="_pre" value="([^"]+)"/.exec(page.text)![1]!;
  const res = await client.post('/app/sign-in/api-key', { key, _pre: pre, next: '/app/tiers' });
  return { client, status: res.status, setCookies: res.setCookies, location: res.headers.get('location') };
}

const tiersForm = (csrf: string | null, min = '80') => ({
  ...(csrf ? { _csrf: csrf } : {}),
  basis: 'percentile',
  score: 'composite',
  tier_name: ['Hot', 'Warm', 'Nurture', ''],
  tier_min: [min, '50', '0', ''],
  tier_action: ['Call within 1 hour', 'Follow up within 2 business days', 'Keep in a nurture sequence', ''],
  action: 'save',
});

describe('web app security', () => {
  it('sends a strict Content-Security-Policy and the other security headers, and no inline script', async () => {
    const res = await new Client().get('/app/sign-in');
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.text).not.toMatch(/<script(?![^>]*\ssrc=)/);
    expect(res.text).not.toMatch(/\sstyle="/);
  });

  it('sends a person without a session to the sign-in page, and refuses their POSTs', async () => {
    const client = new Client();
    const res = await client.get('/app/tiers');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/app/sign-in?next=%2Fapp%2Ftiers');
    expect((await client.post('/app/tiers', tiersForm('anything'))).status).toBe(401);
  });

  it('signs in with an admin API key into an HttpOnly, SameSite=Lax session cookie whose token is stored only as a hash', async () => {
    const { client, status, setCookies, location } = await signInWithKey();
    expect(status).toBe(303);
    expect(location).toBe('/app/tiers');
    const cookie = setCookies.find((c) => c.startsWith('ls_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\/app/);
    expect(cookie).not.toMatch(/Secure/); // plain http on localhost
    const token = client.cookies.get('ls_session')!;
    const rows = await server.db.query<{ token_sha256: string }>(`SELECT token_sha256 FROM web_sessions`);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.token_sha256 === token || r.token_sha256.includes(token))).toBe(false);
    const page = await client.get('/app/tiers');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/API key bootstrap/);
  });

  it('marks the cookie Secure on https requests and when configured', () => {
    const headers: string[] = [];
    const res = { append: (_n: string, v: string) => headers.push(v) } as never;
    setCookie({ secure: true } as never, res, 'c', 'v', 1000, false);
    setCookie({ secure: false } as never, res, 'c', 'v', 1000, true);
    setCookie({ secure: false } as never, res, 'c', 'v', 1000, false);
    expect(headers.map((h) => /; Secure/.test(h))).toEqual([true, true, false]);
  });

  it('refuses wrong keys, keys without the admin scope, and a sign-in form from elsewhere', async () => {
    expect((await signInWithKey('ls_webhttpadm01_wrongwrongwrongwrongwrong')).status).toBe(401);
    const reader = (await createApiKey(server.db, demo, ['scores:read'], 'reader')).key;
    expect((await signInWithKey(reader)).status).toBe(403);
    const forged = await new Client().post('/app/sign-in/api-key', { key: ADMIN, _pre: 'made-up' });
    expect(forged.status).toBe(403);
    expect(forged.setCookies.some((c) => c.startsWith('ls_session='))).toBe(false);
  });

  it('refuses a POST without the session CSRF token, or with a wrong one, and accepts it with the right one', async () => {
    const { client } = await signInWithKey();
    const missing = await client.post('/app/tiers', tiersForm(null, '85'));
    expect(missing.status).toBe(403);
    expect(missing.text).toMatch(/CSRF/);
    expect((await client.post('/app/tiers', tiersForm('x'.repeat(43), '85'))).status).toBe(403);
    expect((await client.post('/app/api-keys', { label: 'sneaky', scopes: 'admin' })).status).toBe(403);
    const versions = await server.db.query(`SELECT 1 FROM settings_versions WHERE tenant_id = 'demo'`);
    expect(versions).toHaveLength(0);
    const ok = await client.post('/app/tiers', tiersForm(await client.csrf(), '85'));
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toMatch(/^\/app\/tiers\?saved=\d+$/);
    const [saved] = await server.db.query<{ changed_by: string }>(`SELECT changed_by FROM settings_versions WHERE tenant_id = 'demo' ORDER BY version DESC LIMIT 1`);
    expect(saved!.changed_by).toMatch(/^web:api-key:webhttpadm01/);
  });

  it('lets a viewer look but not change anything (403 from the server)', async () => {
    const viewer = await upsertWebUser(server.db, demo, { userKey: 'salesforce:x:viewer1', displayName: 'Vera Viewer', email: null, role: 'viewer' });
    const session = await createWebSession(server.db, demo, viewer.userKey, 60_000);
    const client = new Client();
    client.cookies.set('ls_session', session.token);
    const page = await client.get('/app/tiers');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/You are a viewer/);
    expect(page.text).not.toMatch(/value="save"/);
    const csrf = await client.csrf();
    expect((await client.post('/app/tiers', tiersForm(csrf, '70'))).status).toBe(403);
    expect((await client.post('/app/api-keys', { _csrf: csrf, label: 'x', scopes: 'admin' })).status).toBe(403);
    expect((await client.post('/app/users/role', { _csrf: csrf, user: viewer.userKey, role: 'admin' })).status).toBe(403);
    expect((await client.post('/app/dead-letters/retry', { _csrf: csrf, which: 'all' })).status).toBe(403);
  });

  it('signs out: the session stops working', async () => {
    const { client } = await signInWithKey();
    const token = client.cookies.get('ls_session')!;
    const out = await client.post('/app/sign-out', { _csrf: await client.csrf() });
    expect(out.status).toBe(303);
    expect(out.setCookies.some((c) => /^ls_session=;.*Max-Age=0/.test(c))).toBe(true);
    const stale = new Client();
    stale.cookies.set('ls_session', token);
    expect((await stale.get('/app/tiers')).status).toBe(303);
  });
});

describe('admin screens', () => {
  it('retries a dead letter, records it in the audit log, and filters the log by action', async () => {
    const [lead] = await server.db.query<{ lead_id: string }>(`SELECT lead_id FROM leads WHERE tenant_id = 'demo' ORDER BY lead_id LIMIT 1`);
    const [dead] = await server.db.query<{ outbox_id: string }>(
      `INSERT INTO outbox (tenant_id, lead_id, kind, payload, failed_at, attempts, last_error) VALUES ('demo', $1, 'score', '{"composite": 50}', now(), 5, 'FIELD_CUSTOM_VALIDATION_EXCEPTION: Score must be set') RETURNING outbox_id`,
      [lead!.lead_id],
    );
    const { client } = await signInWithKey();
    const list = await client.get('/app/dead-letters');
    expect(list.text).toContain('FIELD_CUSTOM_VALIDATION_EXCEPTION: Score must be set');
    const retried = await client.post('/app/dead-letters/retry', { _csrf: await client.csrf('/app/dead-letters'), ids: dead!.outbox_id, which: 'selected' });
    expect(retried.status).toBe(200);
    expect(retried.text).toMatch(/1 write queued again/);
    const [row] = await server.db.query<{ failed_at: Date | null }>(`SELECT failed_at FROM outbox WHERE tenant_id = 'demo' AND outbox_id = $1`, [dead!.outbox_id]);
    expect(row!.failed_at).toBeNull();
    const audit = await client.get('/app/audit?action=dead_letter_retry');
    expect(audit.text).toMatch(new RegExp(`<td>dead_letter_retry</td><td>${dead!.outbox_id}</td><td>requeued</td><td>requested by web:api-key:webhttpadm01`));
    expect((await client.get('/app/audit?action=privacy_deletion')).text).toMatch(/No entries match these filters/);
    expect((await client.get('/app/audit?action=field_write')).text).not.toMatch(/<td>dead_letter_retry<\/td>/);
    expect((await client.get('/app/audit?from=yesterday')).status).toBe(400);
  });

  it('says on the connections page how each Salesforce org stays current: change events, or the sync on a short schedule', async () => {
    const { client } = await signInWithKey();
    const id = `salesforce-${ORG}`;
    await noteConnection(server.db, demo, id, { realtime: { mode: 'polling', since: new Date().toISOString(), reason: 'Salesforce refused the subscription to /data/LeadChangeEvent: 400::The channel you requested to subscribe to does not exist', pollEveryMinutes: 5, retryAt: new Date(Date.now() + 3_600_000).toISOString() } });
    const polling = (await client.get('/app/connections')).text;
    expect(polling).toMatch(/data-realtime="polling">Real time: sync every 5 min \(change data capture not available: [^<]*does not exist/);
    await noteConnection(server.db, demo, id, { realtime: { mode: 'cdc', since: new Date().toISOString(), channels: ['/data/LeadChangeEvent'] } });
    const cdc = (await client.get('/app/connections')).text;
    expect(cdc).toMatch(/data-realtime="cdc">Real time: change events \(CDC\)/);
    expect(cdc).not.toContain('data-realtime="polling"');
  });

  it('creates an API key with the chosen scopes, shows it once, and revokes it', async () => {
    const { client } = await signInWithKey();
    const created = await client.post('/app/api-keys', { _csrf: await client.csrf('/app/api-keys'), label: 'Card', scopes: ['scores:read', 'score'] });
    const key = /data-new-key>(ls_[a-z0-9]{12}_[\w-]+)</.exec(created.text)![1]!;
    const keyId = key.split('_')[1]!;
    const [stored] = await server.db.query<{ scopes: string[] | string; secret_sha256: string }>(`SELECT scopes, secret_sha256 FROM api_keys WHERE tenant_id = 'demo' AND key_id = $1`, [keyId]);
    expect(String(stored!.scopes)).toMatch(/scores:read.*score/);
    expect(stored!.secret_sha256).not.toContain(key.split('_')[2]!);
    expect((await client.get('/app/api-keys')).text).not.toContain(key);
    const revoked = await client.post(`/app/api-keys/${keyId}/revoke`, { _csrf: await client.csrf('/app/api-keys') });
    expect(revoked.text).toMatch(/is revoked/);
    const [after] = await server.db.query<{ revoked_at: Date | null }>(`SELECT revoked_at FROM api_keys WHERE tenant_id = 'demo' AND key_id = $1`, [keyId]);
    expect(after!.revoked_at).not.toBeNull();
  });

  it('lets an admin make a viewer admin, and refuses to demote the last admin', async () => {
    const { client } = await signInWithKey();
    await upsertWebUser(server.db, demo, { userKey: 'hubspot:1:promote-me', displayName: 'Pro Motee', email: null, role: 'viewer' });
    const csrf = await client.csrf('/app/users');
    expect((await client.post('/app/users/role', { _csrf: csrf, user: 'hubspot:1:promote-me', role: 'admin' })).text).toMatch(/Role changed to admin/);
    const [row] = await server.db.query<{ role: string }>(`SELECT role FROM web_users WHERE tenant_id = 'demo' AND user_key = 'hubspot:1:promote-me'`);
    expect(row!.role).toBe('admin');
    await ensureTenant(server.db, tenantId('solo'), 'Solo');
    const solo = await signInWithKey((await createApiKey(server.db, tenantId('solo'), ['admin'], 'solo')).key);
    const me = 'api-key:' + (await server.db.query<{ key_id: string }>(`SELECT key_id FROM api_keys WHERE tenant_id = 'solo'`))[0]!.key_id;
    const refused = await solo.client.post('/app/users/role', { _csrf: await solo.client.csrf('/app/users'), user: me, role: 'viewer' });
    expect(refused.status).toBe(409);
    expect(refused.text).toMatch(/only admin/);
  });
});

describe('sign-in through the CRM', () => {
  /** Follows the consent step the way the CRM would: back to the callback with a code and our state. */
  async function crmRoundTrip(client: Client, start: string, callback: string) {
    const res = await client.get(start);
    expect(res.status).toBe(302);
    const consent = new URL(res.headers.get('location')!);
    return { consent, answer: await client.get(`${callback}?code=auth-code-1&state=${encodeURIComponent(consent.searchParams.get('state')!)}`) };
  }
  const sfToken = (user: string) => ({
    access_token: '00D5e000000AbCd!session',
    signature: 'CMJ4l+CCaPQiKjoOEwEig9H4wqhpuLSk4J2urAe+fVg=',
    scope: 'refresh_token api',
    instance_url: INSTANCE,
    id: `${LOGIN}/id/${ORG}/${user}`,
    token_type: 'Bearer',
    issued_at: '1732262400000',
  });
  // Shaped like Salesforce's documented UserInfo endpoint answer.
  const userinfo = (user: string, name: string) => ({
    sub: `${LOGIN}/id/${ORG}/${user}`,
    user_id: user,
    organization_id: ORG,
    preferred_username: `${name.toLowerCase().replace(' ', '.')}@acme.com`,
    name,
    email: `${name.toLowerCase().replace(' ', '.')}@acme.com`,
    email_verified: true,
    user_type: 'STANDARD',
    active: true,
  });

  it('Salesforce: the user who connected the org signs in as admin, a colleague as viewer', async () => {
    nock(LOGIN).post('/services/oauth2/token', (b: Record<string, string>) => b.code === 'auth-code-1' && b.redirect_uri === 'http://localhost:3000/app/auth/salesforce/callback').reply(200, sfToken(CONNECTOR_USER));
    nock(INSTANCE).get('/services/oauth2/userinfo').matchHeader('authorization', 'Bearer 00D5e000000AbCd!session').reply(200, userinfo(CONNECTOR_USER, 'Ada Admin'));
    const admin = new Client();
    const { consent, answer } = await crmRoundTrip(admin, '/app/sign-in/salesforce', '/app/auth/salesforce/callback');
    expect(`${consent.origin}${consent.pathname}`).toBe(`${LOGIN}/services/oauth2/authorize`);
    expect(consent.searchParams.get('client_id')).toBe(env.SALESFORCE_CLIENT_ID);
    expect(answer.status).toBe(303);
    const adminPage = await admin.get('/app/tiers');
    expect(adminPage.text).toMatch(/Ada Admin/);
    expect(adminPage.text).toMatch(/value="save"/);

    nock(LOGIN).post('/services/oauth2/token').reply(200, sfToken(OTHER_USER));
    nock(INSTANCE).get('/services/oauth2/userinfo').reply(200, userinfo(OTHER_USER, 'Col League'));
    const colleague = new Client();
    expect((await crmRoundTrip(colleague, '/app/sign-in/salesforce', '/app/auth/salesforce/callback')).answer.status).toBe(303);
    const page = await colleague.get('/app/tiers');
    expect(page.text).toMatch(/Col League/);
    expect(page.text).toMatch(/You are a viewer/);
  });

  it('HubSpot: the portal behind the token names the tenant', async () => {
    nock('https://api.hubapi.com')
      .post('/oauth/v1/token', (b: Record<string, string>) => b.grant_type === 'authorization_code' && b.redirect_uri === 'http://localhost:3000/app/auth/hubspot/callback')
      .reply(200, { token_type: 'bearer', refresh_token: '1e8fbfb1-8e96-4826-8b8d-c8af73715', access_token: 'CIrToaiiMhIHAAEAQAAAARiO1ooBIOP0sgEokuLtAEaOaTFnToZ3VjUbtl46MAAAAEAAAAAgAAAAAAAAAAAACAAAAAAAOABAAAAAAAAAAAAAAAQAkIUVrFO3nq7tu2A4oqMlOJw7rn2UfRKA25hMVIAWgA', expires_in: 1800 })
      .get(/\/oauth\/v1\/access-tokens\/.+/)
      .reply(200, { token: 'CIrToaiiMhIHAAEAQAAAARiO1ooBIOP0sgEokuLtAEaOaTFnToZ3VjUbtl46MAAAAEAAAAAgAAAAAAAAAAAACAAAAAAAOABAAAAAAAAAAAAAAAQAkIUVrFO3nq7tu2A4oqMlOJw7rn2UfRKA25hMVIAWgA', user: 'hana@acme.com', hub_domain: 'acme.com', scopes: ['oauth', 'crm.objects.contacts.read'], hub_id: HUB, app_id: 456, expires_in: 1800, user_id: 123, token_type: 'access' });
    const client = new Client();
    const { consent, answer } = await crmRoundTrip(client, '/app/sign-in/hubspot', '/app/auth/hubspot/callback');
    expect(consent.origin).toBe('https://app.hubspot.com');
    expect(answer.status).toBe(303);
    const page = await client.get('/app/tiers');
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/hana@acme\.com/);
  });

  it('refuses a callback whose state this browser did not start, and an org no tenant has connected', async () => {
    const starter = new Client();
    const start = await starter.get('/app/sign-in/salesforce');
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const elsewhere = await new Client().get(`/app/auth/salesforce/callback?code=c&state=${encodeURIComponent(state)}`);
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.text).toMatch(/another browser/);

    nock(LOGIN).post('/services/oauth2/token').reply(200, { ...sfToken(OTHER_USER), id: `${LOGIN}/id/00D000000000001AAA/${OTHER_USER}` });
    nock(INSTANCE).get('/services/oauth2/userinfo').reply(200, { ...userinfo(OTHER_USER, 'Stran Ger'), organization_id: '00D000000000001AAA' });
    const stranger = new Client();
    const { answer } = await crmRoundTrip(stranger, '/app/sign-in/salesforce', '/app/auth/salesforce/callback');
    expect(answer.status).toBe(403);
    expect(answer.text).toMatch(/No Leadscore account has the Salesforce org 00D000000000001AAA connected/);
    expect(stranger.cookies.has('ls_session')).toBe(false);
  });

  it("sends an admin to the CRM's consent page to connect it, with a state naming the session's tenant", async () => {
    const { client } = await signInWithKey();
    const res = await client.post('/app/connect/salesforce', { _csrf: await client.csrf('/app/connections'), environment: 'sandbox' });
    expect(res.status).toBe(303);
    const consent = new URL(res.headers.get('location')!);
    expect(`${consent.origin}${consent.pathname}`).toBe('https://test.salesforce.com/services/oauth2/authorize');
    expect(consent.searchParams.get('redirect_uri')).toBe('http://localhost:3000/oauth/salesforce/callback');
    const vault = loadVault(null, dir);
    expect(verifyState(vault, consent.searchParams.get('state')!)).toEqual({ tenant: 'demo', loginUrl: 'https://test.salesforce.com' });
    const hub = await client.post('/app/connect/hubspot', { _csrf: await client.csrf('/app/connections') });
    expect(new URL(hub.headers.get('location')!).searchParams.get('redirect_uri')).toBe('http://localhost:3000/oauth/hubspot/callback');
  });

  it('keeps tenants apart: a session only ever sees its own tenant', async () => {
    await ensureTenant(server.db, tenantId('globex'), 'Globex');
    const other = (await createApiKey(server.db, tenantId('globex'), ['admin'], 'globex admin')).key;
    const { client } = await signInWithKey(other);
    const page = await client.get('/app/tiers');
    expect(page.text).toMatch(/globex/);
    expect(page.text).not.toMatch(/Saved as version/);
    const [lead] = await server.db.query<{ lead_id: string }>(`SELECT lead_id FROM leads WHERE tenant_id = 'demo' LIMIT 1`);
    expect((await client.get(`/app/leads?source=file&id=${lead!.lead_id}`)).status).toBe(404);
  });
});
