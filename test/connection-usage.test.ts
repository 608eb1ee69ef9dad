import { randomBytes } from 'node:crypto';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVault } from '../src/config/secrets.js';
import { tenantId } from '../src/domain/index.js';
import { FolderModelSource, SHIPPED_DEFAULT_MODEL } from '../src/scoring/model-source.js';
import { syncHubspot } from '../src/crm/hubspot-sync.js';
import { syncSalesforce } from '../src/crm/salesforce-sync.js';
import { healthRow, usageText } from '../src/server/web/connection-health.js';
import { apiCallsLastDay, ensureTenant, getConnection, recordApiUsage, saveConnection, type Database } from '../src/store/index.js';
import { openTestDatabase } from './helpers/db.js';
import { API, app as hubspotApp, HUB, privateTokens } from './helpers/hubspot.js';
import { INSTANCE, LOGIN, ORG, soql, tokens, V } from './helpers/salesforce.js';

/**
 * Connection health: the API use each CRM reports in its answers' headers (Salesforce's
 * Sforce-Limit-Info, HubSpot's X-HubSpot-RateLimit-Daily for private apps) is kept on the
 * connection, and calls are counted for OAuth installs that get no daily headers.
 */
const vault = createVault(randomBytes(32));
const sfApp = { loginUrl: LOGIN, clientId: '3MVG9test', clientSecret: 'secret' };
const acme = tenantId('acme');
const beta = tenantId('beta');
const SF = `salesforce-${ORG}`;
const HS = `hubspot-${HUB}`;
const OAUTH_HUB = '24108399';

let db: Database;
let models: FolderModelSource;
beforeAll(async () => {
  nock.disableNetConnect();
  db = await openTestDatabase();
  models = new FolderModelSource({ defaultDir: SHIPPED_DEFAULT_MODEL, tenantsDir: null });
  await ensureTenant(db, acme, 'Acme');
  await ensureTenant(db, beta, 'Beta');
  await saveConnection(db, acme, { id: SF, kind: 'salesforce', externalAccountId: ORG, status: 'active', settings: {}, credentials: vault.seal(tokens) });
  await saveConnection(db, acme, { id: HS, kind: 'hubspot', externalAccountId: HUB, status: 'active', settings: {}, credentials: vault.seal(privateTokens) });
  const oauth = { ...privateTokens, mode: 'oauth' as const, refreshToken: 'refresh', expiresAt: new Date(Date.now() + 3_600_000).toISOString(), hubId: OAUTH_HUB };
  await saveConnection(db, beta, { id: `hubspot-${OAUTH_HUB}`, kind: 'hubspot', externalAccountId: OAUTH_HUB, status: 'active', settings: {}, credentials: vault.seal(oauth) });
});
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(async () => {
  nock.enableNetConnect();
  await models.close();
  await db.close();
});

/** HubSpot's 403 for a scope the token lacks, as its error body documents it. */
const missingScopes = {
  status: 'error',
  message: 'This app hasn\'t been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.',
  correlationId: 'c6c5c5d1-2b3e-4a0f-9d1e-0e5f7e2c9a11',
  category: 'MISSING_SCOPES',
  errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: ['crm.objects.contacts.read'] } }],
};
/** The per-10-seconds headers every answer carries. */
const burst = { 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000', 'X-HubSpot-RateLimit-Max': '190', 'X-HubSpot-RateLimit-Remaining': '189' };

describe('API usage on the connection', () => {
  it('keeps the latest Sforce-Limit-Info of a Salesforce sync, also when the sync fails, with the error', async () => {
    nock(INSTANCE)
      .get(`${V}/query`)
      .query(soql(/^SELECT COUNT\(\) FROM Lead$/))
      .reply(200, { totalSize: 0, done: true, records: [] }, { 'Sforce-Limit-Info': 'api-usage=18/15000' })
      .get(`${V}/query`)
      .query(true)
      .reply(400, [{ message: 'Your query request was running for too long.', errorCode: 'QUERY_TIMEOUT' }], { 'Sforce-Limit-Info': 'api-usage=19/15000' });
    const [report] = await syncSalesforce(db, vault, sfApp, models, acme);
    expect(report).toMatchObject({ connectionId: SF, status: 'failed', error: expect.stringContaining('QUERY_TIMEOUT') });
    const settings = (await getConnection(db, acme, SF))!.settings;
    expect(settings.apiUsage).toEqual({ source: 'Sforce-Limit-Info', used: 19, limit: 15000, at: expect.any(String) });
    expect(settings.lastError).toMatch(/QUERY_TIMEOUT/);
  });

  it('keeps the daily limit headers a HubSpot private app gets, and counts the calls', async () => {
    nock(API)
      .get('/crm/v3/objects/contacts')
      .query(true)
      .reply(403, missingScopes, { ...burst, 'X-HubSpot-RateLimit-Daily': '500000', 'X-HubSpot-RateLimit-Daily-Remaining': '499870' });
    const [report] = await syncHubspot(db, vault, hubspotApp, models, acme);
    expect(report).toMatchObject({ connectionId: HS, status: 'failed', error: expect.stringContaining('crm.objects.contacts.read') });
    expect((await getConnection(db, acme, HS))!.settings.apiUsage).toEqual({ source: 'X-HubSpot-RateLimit-Daily', limit: 500000, remaining: 499870, at: expect.any(String) });
    expect((await apiCallsLastDay(db, acme)).get(HS)).toBe(1);
  });

  it('counts the calls of an OAuth install, which HubSpot sends no daily headers', async () => {
    nock(API).get('/crm/v3/objects/contacts').query(true).reply(403, missingScopes, burst);
    await syncHubspot(db, vault, hubspotApp, models, beta);
    const connection = (await getConnection(db, beta, `hubspot-${OAUTH_HUB}`))!;
    expect(connection.settings.apiUsage).toBeUndefined();
    expect(await apiCallsLastDay(db, beta)).toEqual(new Map([[`hubspot-${OAUTH_HUB}`, 1]]));
    expect(usageText(null, 1).text).toContain('1 calls in the last 24 h');
    // Another tenant's calls are not this one's.
    expect((await apiCallsLastDay(db, acme)).get(`hubspot-${OAUTH_HUB}`)).toBeUndefined();
  });

  it('sums calls by the hour over the last 24 hours only, adding what several processes record', async () => {
    const now = new Date('2026-11-25T15:20:00Z');
    const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
    await recordApiUsage(db, beta, `hubspot-${OAUTH_HUB}`, { calls: 7, note: null, now: hoursAgo(30) });
    await recordApiUsage(db, beta, `hubspot-${OAUTH_HUB}`, { calls: 5, note: null, now: hoursAgo(2) });
    await recordApiUsage(db, beta, `hubspot-${OAUTH_HUB}`, { calls: 4, note: null, now: hoursAgo(2) });
    await recordApiUsage(db, beta, 'hubspot-removed', { calls: 9, note: null, now });
    expect(await apiCallsLastDay(db, beta, now)).toEqual(new Map([[`hubspot-${OAUTH_HUB}`, 9]]));
  });

  it('shows usage, last sync and errors in the health row', async () => {
    const connection = (await getConnection(db, acme, SF))!;
    const row = healthRow({ ...connection, settings: { ...connection.settings, lastSyncAt: '2026-11-25T14:00:00.000Z' } }, { lastCursorAt: null, writes: null, callsLastDay: null }).text;
    expect(row).toContain('19 of 15,000 daily API calls used (0%)');
    expect(row).toContain('2026-11-25 14:00 UTC');
    expect(row).toContain('QUERY_TIMEOUT');
    expect(usageText({ source: 'X-HubSpot-RateLimit-Daily', limit: 500000, remaining: 125000, at: '2026-11-25T14:00:00Z' }, 40).text).toMatch(/375,000 of 500,000 daily API calls used \(75%\).*40 calls by Leadscore/s);
    expect(usageText(undefined, null).text).toContain('not reported yet');
  });
});
