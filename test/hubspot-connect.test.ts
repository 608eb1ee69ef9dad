import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HubSpotTokens } from '../connectors/hubspot/index.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/config/log.js';
import { loadVault } from '../src/config/secrets.js';
import { tenantId } from '../src/domain/index.js';
import { signState } from '../src/crm/salesforce-connect.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { getConnection } from '../src/store/index.js';
import { API, CLIENT_ID, CLIENT_SECRET, HUB, leadscoreProperties, propertyDefinition, PUBLIC_URL } from './helpers/hubspot.js';

/** Bodies shaped like HubSpot's OAuth v1 (token, access token info) and CRM v3 properties answers. */
const ADMIN = 'ls_hsadminkey01_abcdefghijklmnopqrstuvwxyz012345';
const env = { HUBSPOT_CLIENT_ID: CLIENT_ID, HUBSPOT_CLIENT_SECRET: CLIENT_SECRET, PUBLIC_URL, HUBSPOT_API_BASE: API };
const ACCESS = 'CJSP5qf1LRICAQEYs-gDIIGOBii1_first';
const tokenAnswer = { token_type: 'bearer', refresh_token: '6f18f21e-a743-4509-b7fd-1a5e632fffa1', access_token: ACCESS, expires_in: 1800 };
const tokenInfo = {
  token: ACCESS,
  user: 'revops@acme.com',
  hub_domain: 'acme.hubspot.com',
  scopes: ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.schemas.contacts.read', 'crm.schemas.contacts.write', 'crm.objects.deals.read'],
  hub_id: Number(HUB),
  app_id: 3104829,
  expires_in: 1794,
  user_id: 71829304,
  token_type: 'access',
};
const empty = { total: 0, results: [] };

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-connect-'));
let server: RunningServer;

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  const config = loadConfig({ DATA_DIR: dir, PORT: '0', DEMO_LEADS: '0', DEMO_TENANT: 'acme', LEADSCORE_BOOTSTRAP_API_KEY: ADMIN, LOG_LEVEL: 'error' });
  server = await startServer(config, createLogger('error', () => undefined), { env });
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

const local = (p: string, headers: Record<string, string> = {}) => fetch(`${server.url.replace('localhost', '127.0.0.1')}${p}`, { headers, redirect: 'manual' });

/** What the first backfill of an empty portal asks: every stream once, each answering nothing. */
function emptyPortal() {
  nock(API)
    .get('/crm/v3/objects/contacts')
    .query(true)
    .reply(200, { results: [] })
    .post(/\/crm\/v3\/objects\/(emails|calls|meetings|notes|contacts|deals)\/search/)
    .times(7) // 4 engagement types, forms, and the two outcome searches
    .reply(200, empty)
    .get('/email/public/v1/events')
    .query(true)
    .twice()
    .reply(200, { hasMore: false, events: [] })
    .get('/events/v3/events')
    .query((q) => q.objectType === 'contact' && q.eventType === 'e_visited_page')
    .reply(200, { results: [] });
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 25));
}

describe('HubSpot marketplace install', () => {
  it('sends the admin to the install page with the scopes, the redirect URI and a signed state', async () => {
    const res = await local('/oauth/hubspot/install', { authorization: `Bearer ${ADMIN}`, accept: 'application/json' });
    expect(res.status).toBe(200);
    const url = new URL(((await res.json()) as { install_url: string }).install_url);
    expect(`${url.origin}${url.pathname}`).toBe('https://app.hubspot.com/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: CLIENT_ID,
      redirect_uri: `${PUBLIC_URL}/oauth/hubspot/callback`,
      scope: 'oauth crm.objects.contacts.read crm.objects.contacts.write crm.schemas.contacts.read crm.schemas.contacts.write crm.objects.deals.read',
      optional_scope: 'content sales-email-read',
      state: expect.stringMatching(/^[\w-]+\.[\w-]+$/),
    });
    expect((await local('/oauth/hubspot/install')).status).toBe(401);
  });

  it('exchanges the code, stores the tokens sealed per hub id, provisions the properties and starts the first backfill', async () => {
    const res = await local('/oauth/hubspot/install', { authorization: `Bearer ${ADMIN}`, accept: 'application/json' });
    const state = new URL(((await res.json()) as { install_url: string }).install_url).searchParams.get('state')!;
    const created: Array<Record<string, unknown>> = [];
    nock(API)
      .post('/oauth/v1/token', (b: Record<string, string>) => b.grant_type === 'authorization_code' && b.code === 'na1-6e2f-4c1a' && b.redirect_uri === `${PUBLIC_URL}/oauth/hubspot/callback` && b.client_id === CLIENT_ID && b.client_secret === CLIENT_SECRET)
      .reply(200, tokenAnswer)
      .get(`/oauth/v1/access-tokens/${ACCESS}`)
      .reply(200, tokenInfo);
    nock(API, { reqheaders: { authorization: `Bearer ${ACCESS}` } })
      .get('/crm/v3/properties/contacts/groups/leadscore')
      .reply(404, { status: 'error', message: 'Unable to find property group leadscore for object type 0-1', correlationId: 'g1', category: 'OBJECT_NOT_FOUND' })
      .post('/crm/v3/properties/contacts/groups', { name: 'leadscore', label: 'Leadscore', displayOrder: -1 })
      .reply(201, { name: 'leadscore', label: 'Leadscore', displayOrder: -1, archived: false })
      .get('/crm/v3/properties/contacts')
      .query({ archived: 'false' })
      .reply(200, { results: [propertyDefinition('email', 'string', 'text'), leadscoreProperties().find((p) => p.name === 'leadscore_score')] })
      .post('/crm/v3/properties/contacts/batch/create', (b) => (created.push(...b.inputs), true))
      .reply(201, { status: 'COMPLETE', results: [], startedAt: '2026-11-22T12:00:00.000Z', completedAt: '2026-11-22T12:00:01.000Z' });
    emptyPortal();
    const callback = await local(`/oauth/hubspot/callback?code=na1-6e2f-4c1a&state=${encodeURIComponent(state)}`);
    expect(callback.status).toBe(200);
    expect(await callback.text()).toMatch(/Portal <code>24108351<\/code> is connected to tenant <code>acme<\/code>/);

    expect(created.map((p) => p.name)).toEqual(['leadscore_fit', 'leadscore_engagement', 'leadscore_grade', 'leadscore_tier', 'leadscore_reasons', 'leadscore_next_action', 'leadscore_scored_at', 'leadscore_model_version']);
    expect(created.find((p) => p.name === 'leadscore_tier')).toMatchObject({ groupName: 'leadscore', type: 'enumeration', fieldType: 'select', options: ['Hot', 'Warm', 'Nurture', 'Not scored'].map((v, i) => ({ label: v, value: v, displayOrder: i, hidden: false })) });
    expect(created.find((p) => p.name === 'leadscore_scored_at')).toMatchObject({ type: 'datetime', fieldType: 'date' });
    expect(created.find((p) => p.name === 'leadscore_reasons')).toMatchObject({ type: 'string', fieldType: 'textarea' });
    expect(created.find((p) => p.name === 'leadscore_fit')).toMatchObject({ type: 'number', fieldType: 'number' });

    const id = `hubspot-${HUB}`;
    await until(async () => (await getConnection(server.db, tenantId('acme'), id))?.settings.backfill === 'done');
    const stored = (await getConnection(server.db, tenantId('acme'), id))!;
    expect(stored).toMatchObject({ kind: 'hubspot', status: 'active', externalAccountId: HUB, settings: { backfill: 'done', properties: { groupCreated: true, present: ['leadscore_score'] } } });
    expect(stored.credentials!.toString('latin1')).not.toContain('CJSP5qf1');
    const tokens = loadVault(null, dir).open<HubSpotTokens>(stored.credentials!);
    expect(tokens).toMatchObject({ mode: 'oauth', accessToken: ACCESS, refreshToken: tokenAnswer.refresh_token, hubId: HUB, hubDomain: 'acme.hubspot.com' });
    expect(Date.parse(tokens.expiresAt!) - Date.now()).toBeGreaterThan(29 * 60_000);
  });

  it('refuses a forged state or a Salesforce one, and shows what HubSpot said when the admin declines', async () => {
    expect((await local('/oauth/hubspot/callback?code=x&state=eyJ0IjoiYWNtZSJ9.forged')).status).toBe(400);
    const salesforceState = signState(loadVault(null, dir), tenantId('acme'), 'https://login.salesforce.com');
    const crossed = await local(`/oauth/hubspot/callback?code=x&state=${encodeURIComponent(salesforceState)}`);
    expect(crossed.status).toBe(400);
    expect(await crossed.text()).toMatch(/not issued for a HubSpot install/);
    const declined = await local('/oauth/hubspot/callback?error=access_denied&error_description=The+user+declined+the+install');
    expect(declined.status).toBe(400);
    expect(await declined.text()).toMatch(/The user declined the install/);
  });

  it('never shows the access token when the token lookup gets no answer', async () => {
    const res = await local('/oauth/hubspot/install', { authorization: `Bearer ${ADMIN}`, accept: 'application/json' });
    const state = new URL(((await res.json()) as { install_url: string }).install_url).searchParams.get('state')!;
    nock(API).post('/oauth/v1/token').reply(200, tokenAnswer).get(`/oauth/v1/access-tokens/${ACCESS}`).replyWithError(Object.assign(new Error('read ETIMEDOUT'), { code: 'ETIMEDOUT' }));
    const callback = await local(`/oauth/hubspot/callback?code=na1-6e2f-4c1a&state=${encodeURIComponent(state)}`);
    expect(callback.status).toBe(502);
    const html = await callback.text();
    expect(html).toMatch(/HubSpot did not answer the access token lookup: read ETIMEDOUT/);
    expect(html).not.toContain(ACCESS);
  });

  it('says the code was refused when HubSpot refuses it', async () => {
    const res = await local('/oauth/hubspot/install', { authorization: `Bearer ${ADMIN}`, accept: 'application/json' });
    const state = new URL(((await res.json()) as { install_url: string }).install_url).searchParams.get('state')!;
    nock(API).post('/oauth/v1/token').reply(400, { status: 'BAD_AUTH_CODE', message: 'missing or unknown auth code', correlationId: 'c0ffee' });
    const callback = await local(`/oauth/hubspot/callback?code=stale&state=${encodeURIComponent(state)}`);
    expect(callback.status).toBe(502);
    expect(await callback.text()).toMatch(/HubSpot refused the authorization code: missing or unknown auth code/);
  });
});
