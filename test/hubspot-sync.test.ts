import { randomBytes } from 'node:crypto';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVault } from '../src/config/secrets.js';
import { tenantId } from '../src/domain/index.js';
import { FolderModelSource, SHIPPED_DEFAULT_MODEL } from '../src/scoring/model-source.js';
import { syncHubspot } from '../src/crm/hubspot-sync.js';
import { writebackHubspot } from '../src/crm/hubspot-writeback.js';
import { ensureTenant, getConnection, getScores, getSyncCursors, pendingOutbox, saveConnection, setConnectionStatus, type Database } from '../src/store/index.js';
import { openTestDatabase } from './helpers/db.js';
import { API, app, batchUpdated, contact, HUB, leadscoreProperties, privateTokens, tierOption } from './helpers/hubspot.js';

/** Bodies shaped like HubSpot's CRM v3 list, search, batch and property answers and v4 associations. */
const ID = `hubspot-${HUB}`;
const acme = tenantId('acme');
const vault = createVault(randomBytes(32));
const recent = new Date(Date.now() - 3 * 86_400_000).toISOString();
const hourAgo = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;
const modified = (i: number) => new Date(hourAgo + i * 60_000).toISOString();
const person = (id: string, i: number) => contact(id, { createdate: recent, lastmodifieddate: modified(i), annualrevenue: null });
const empty = { total: 0, results: [] };

let db: Database;
let models: FolderModelSource;
beforeAll(async () => {
  nock.disableNetConnect();
  db = await openTestDatabase();
  models = new FolderModelSource({ defaultDir: SHIPPED_DEFAULT_MODEL, tenantsDir: null });
  await ensureTenant(db, acme, 'Acme');
  await saveConnection(db, acme, { id: ID, kind: 'hubspot', externalAccountId: HUB, status: 'active', settings: {}, credentials: vault.seal(privateTokens) });
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

/** The activity and outcome streams of a portal with nothing new but `calls`. */
function quietStreams(calls: unknown[] = [], pageViews: [number, Record<string, unknown>] = [200, { results: [] }]) {
  nock(API)
    .post('/crm/v3/objects/calls/search')
    .reply(200, { total: calls.length, results: calls })
    .post(/\/crm\/v3\/objects\/(emails|meetings|notes|contacts|deals)\/search/)
    .times(6)
    .reply(200, empty)
    .get('/email/public/v1/events')
    .query(true)
    .twice()
    .reply(200, { hasMore: false, events: [] })
    .get('/events/v3/events')
    .query((q) => q.objectType === 'contact' && q.eventType === 'e_visited_page')
    .reply(...pageViews);
  if (calls.length) nock(API).post('/crm/v4/associations/calls/contacts/batch/read').reply(200, { status: 'COMPLETE', results: [{ from: { id: '9001' }, to: [{ toObjectId: 101, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 194, label: null }] }] }] });
}

describe('syncHubspot', () => {
  it('backfills, stores each stream cursor, scores the new contacts, then reads only what changed since', async () => {
    const rambling = contact('104', { createdate: recent, lastmodifieddate: modified(2), jobtitle: 'Head of '.repeat(70) });
    nock(API).get('/crm/v3/objects/contacts').query(true).reply(200, { results: [person('101', 0), person('102', 1), person('103', 2), rambling] });
    quietStreams([{ id: '9001', properties: { hs_object_id: '9001', hs_timestamp: modified(3), hs_lastmodifieddate: modified(3), hs_call_direction: 'OUTBOUND', hs_call_title: 'Intro call' }, createdAt: modified(3), updatedAt: modified(3), archived: false }]);
    const [first] = await syncHubspot(db, vault, app, models, acme);
    expect(first).toMatchObject({ connectionId: ID, status: 'synced', streams: { leads: { inserted: 3, rejected: 1 }, activities: { inserted: 1 } }, rejections: 1, rescored: { leads: 3, changed: 3, writes: 3 } });
    const cursors = await getSyncCursors(db, acme, ID);
    const since = (JSON.parse(cursors.leads!) as { since: string }).since;
    expect(Date.now() - Date.parse(since)).toBeLessThan(60_000);
    expect(JSON.parse(cursors.activities!)).toMatchObject({ calls: modified(3) });
    expect((await getScores(db, acme, ['101'])).get('101')?.score.status).toBe('scored');
    expect(await getConnection(db, acme, ID)).toMatchObject({ settings: { backfill: 'done', lastSyncAt: expect.any(String), lastSyncRejections: { count: 1, first: [expect.stringMatching(/^contact\/104 title: .*500/)] } } });

    let searched: { filterGroups: Array<{ filters: Array<{ value: string }> }> } | null = null;
    nock(API)
      .post('/crm/v3/objects/contacts/search', (b) => b.sorts[0].propertyName === 'lastmodifieddate' && b.properties.includes('jobtitle') && ((searched = b), true))
      .reply(200, { total: 1, results: [person('103', 2)] });
    quietStreams();
    const outboxBefore = (await pendingOutbox(db, acme, 1000)).length;
    const [second] = await syncHubspot(db, vault, app, models, acme);
    expect(Number(searched!.filterGroups[0]!.filters[0]!.value)).toBe(Date.parse(since) - 300_000);
    // The overlap re-read changes nothing and writes nothing.
    expect(second).toMatchObject({ status: 'synced', streams: { leads: { inserted: 0, updated: 0, unchanged: 1 } }, rescored: { leads: 0, writes: 0 } });
    expect((await pendingOutbox(db, acme, 1000)).length).toBe(outboxBefore);
  });

  it('writes the pending scores back through the property mapping, 100 a call, settling each contact on its own', async () => {
    const sent: Array<{ id: string; properties: Record<string, string> }> = [];
    const properties = leadscoreProperties().map((p) => (p.name === 'leadscore_tier' ? { ...p, options: ['Hot', 'Warm', 'Nurture', 'Not scored'].map(tierOption) } : p));
    nock(API).get('/crm/v3/properties/contacts').query(true).reply(200, { results: properties });
    nock(API)
      .post('/crm/v3/objects/contacts/batch/update')
      .reply(207, (_uri, body) => {
        const inputs = (body as { inputs: typeof sent }).inputs;
        sent.push(...inputs);
        return { ...batchUpdated(inputs.filter((i) => i.id !== '102')), numErrors: 1, errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.', context: { ids: ['102'] } }] };
      });
    const report = await writebackHubspot(db, vault, app, acme);
    expect(report).toMatchObject({ connectionId: ID, sent: 2, failed: 1, retryLater: 0, calls: 1 });
    expect(report!.errors[0]).toMatch(/contact 102: Could not get some CONTACT objects/);
    const written = sent.find((i) => i.id === '101')!.properties;
    expect(written).toMatchObject({ leadscore_score: expect.stringMatching(/^\d+$/), leadscore_tier: expect.stringMatching(/^(Hot|Warm|Nurture)$/), leadscore_grade: expect.stringMatching(/^[A-D][1-4]$/), leadscore_model_version: expect.any(String) });
    expect(Date.parse(written.leadscore_scored_at!)).not.toBeNaN();
    expect(await pendingOutbox(db, acme, 100, 'hubspot')).toEqual([]);
    expect(await writebackHubspot(db, vault, app, acme)).toMatchObject({ sent: 0, calls: 0 });
  });

  it('finds contacts deleted while webhooks were missed in the daily sweep of the deleted list, and notes streams the portal does not grant', async () => {
    const archived = (id: string) => ({ id, properties: { hs_object_id: id }, createdAt: recent, updatedAt: modified(9), archived: true, archivedAt: modified(9) });
    await setConnectionStatus(db, acme, ID, 'active', { lastDeletionSweepAt: new Date(Date.now() - 2 * 86_400_000).toISOString() });
    nock(API)
      .post('/crm/v3/objects/contacts/search', (b) => b.sorts[0].propertyName === 'lastmodifieddate' && b.properties.includes('jobtitle'))
      .reply(200, empty)
      .get('/crm/v3/objects/contacts')
      .query((q) => q.archived === 'true' && q.limit === '100' && q.after === undefined)
      .reply(200, { results: [archived('102'), archived('88001')], paging: { next: { after: '88002', link: 'https://api.hubapi.com/crm/v3/objects/contacts?archived=true&after=88002' } } })
      .get('/crm/v3/objects/contacts')
      .query((q) => q.archived === 'true' && q.after === '88002')
      .reply(200, { results: [archived('103')] });
    quietStreams([], [403, { status: 'error', message: 'This app hasn\'t been granted all required scopes to make this call.', correlationId: 'd2', category: 'MISSING_SCOPES' }]);
    const [report] = await syncHubspot(db, vault, app, models, acme);
    expect(report).toMatchObject({ status: 'synced', deleted: 2 });
    expect([...(await getScores(db, acme, ['101', '102', '103'])).keys()]).toEqual(['101']);
    const settings = (await getConnection(db, acme, ID))!.settings;
    expect(settings).toMatchObject({ lastDeletionSweepRemoved: 2, skippedStreams: [expect.stringMatching(/^page_views: HubSpot refused the page view events .*403 MISSING_SCOPES/)] });
    expect(Date.now() - Date.parse(settings.lastDeletionSweepAt as string)).toBeLessThan(60_000);

    // Within the day the sweep does not run again (no deleted-list call is mocked).
    nock(API).post('/crm/v3/objects/contacts/search', (b) => b.sorts[0].propertyName === 'lastmodifieddate' && b.properties.includes('jobtitle')).reply(200, empty);
    quietStreams();
    expect((await syncHubspot(db, vault, app, models, acme))[0]).not.toHaveProperty('deleted');
  });

  it('reports a token that stopped working and marks the connection, without throwing', async () => {
    nock(API).get('/crm/v3/objects/contacts').query(true).reply(401, { status: 'error', message: 'Authentication credentials not found.', correlationId: 'x1', category: 'INVALID_AUTHENTICATION' });
    await db.query(`DELETE FROM sync_cursors WHERE tenant_id = 'acme'`);
    const [report] = await syncHubspot(db, vault, app, models, acme);
    expect(report).toMatchObject({ connectionId: ID, status: 'needs_reconnect', error: expect.stringMatching(/connect the portal again/) });
    expect((await getConnection(db, acme, ID))!.status).toBe('needs_reconnect');
    expect((await syncHubspot(db, vault, app, models, acme))[0]).toMatchObject({ status: 'needs_reconnect' });
  });
});
