import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signatureV3 } from '../connectors/hubspot/index.js';
import { loadConfig } from '../src/config/config.js';
import { createLogger } from '../src/config/log.js';
import { loadVault } from '../src/config/secrets.js';
import { tenantId } from '../src/domain/index.js';
import { startServer, type RunningServer } from '../src/server/start.js';
import { getConnection, insertActivities, queryAudit, saveConnection } from '../src/store/index.js';
import { API, CLIENT_ID, CLIENT_SECRET, contact, HUB, privateTokens, PUBLIC_URL } from './helpers/hubspot.js';

/** Webhook bodies shaped like HubSpot's (legacy contact subscriptions, batches of events); reads like CRM v3 batch read. */
const env = { HUBSPOT_CLIENT_ID: CLIENT_ID, HUBSPOT_CLIENT_SECRET: CLIENT_SECRET, PUBLIC_URL, HUBSPOT_API_BASE: API };
const acme = tenantId('acme');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hs-webhooks-'));
let server: RunningServer;
let nextEventId = 5_120_000;

const event = (subscriptionType: string, objectId: number, extra: Record<string, unknown> = {}, portalId = Number(HUB)) => ({
  eventId: nextEventId++,
  subscriptionId: 2845117,
  portalId,
  appId: 3104829,
  occurredAt: Date.now() - 1000,
  subscriptionType,
  attemptNumber: 0,
  objectId,
  changeSource: 'CRM_UI',
  ...extra,
});

/** POST a batch as HubSpot would: signature v3 over the public URI, raw body and timestamp. */
async function deliver(body: string, options: { secret?: string; timestamp?: number; tamper?: (b: string) => string } = {}) {
  const timestamp = String(options.timestamp ?? Date.now());
  const signature = signatureV3(options.secret ?? CLIENT_SECRET, 'POST', `${PUBLIC_URL}/webhooks/hubspot`, body, timestamp);
  return fetch(`${server.url.replace('localhost', '127.0.0.1')}/webhooks/hubspot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hubspot-signature-v3': signature, 'x-hubspot-request-timestamp': timestamp, 'x-hubspot-signature-version': 'v3' },
    body: options.tamper ? options.tamper(body) : body,
  });
}

const batchRead = (ids: string[], overrides: Record<string, Record<string, string | null>> = {}) => ({
  status: 'COMPLETE',
  results: ids.map((id) => contact(id, { createdate: new Date(Date.now() - 5 * 86_400_000).toISOString(), ...(overrides[id] ?? {}) })),
  startedAt: new Date().toISOString(),
  completedAt: new Date().toISOString(),
});
const count = async (table: string, where = '') => Number((await server.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = 'acme' ${where}`))[0]!.n);

beforeAll(async () => {
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  const config = loadConfig({ DATA_DIR: dir, PORT: '0', DEMO_LEADS: '0', DEMO_TENANT: 'acme', LOG_LEVEL: 'error' });
  server = await startServer(config, createLogger('error', () => undefined), { env });
  await saveConnection(server.db, acme, { id: `hubspot-${HUB}`, kind: 'hubspot', externalAccountId: HUB, status: 'active', settings: {}, credentials: loadVault(null, dir).seal(privateTokens) });
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

describe('POST /webhooks/hubspot', () => {
  it('acknowledges a signed batch at once, then reads the contacts it names and scores them', async () => {
    let asked: { inputs: Array<{ id: string }>; properties: string[] } | null = null;
    nock(API, { reqheaders: { authorization: `Bearer ${privateTokens.accessToken}` } })
      .post('/crm/v3/objects/contacts/batch/read', (b) => ((asked = b), true))
      .reply(200, batchRead(['1001', '1002'], { '1002': { email: null } }));
    const body = JSON.stringify([event('contact.creation', 1001, { changeFlag: 'CREATED' }), event('contact.propertyChange', 1002, { propertyName: 'jobtitle', propertyValue: 'Chief Revenue Officer' })]);
    const res = await deliver(body);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: 2, queued: 2, duplicates: 0, ignored: 0 });
    await server.hubspotEvents.idle();
    expect(asked!.inputs).toEqual([{ id: '1001' }, { id: '1002' }]);
    expect(asked!.properties).toContain('lastmodifieddate');
    expect(await count('leads', `AND source = 'hubspot'`)).toBe(2);
    expect(await count('scores')).toBe(2);
    // The changed value itself is not kept with the event.
    const [stored] = await server.db.query<{ payload: Record<string, unknown>; outcome: string }>(`SELECT payload, outcome FROM webhook_events WHERE tenant_id = 'acme' AND object_id = '1002'`);
    expect(stored).toMatchObject({ outcome: 'refreshed', payload: { propertyName: 'jobtitle' } });
    expect(stored!.payload).not.toHaveProperty('propertyValue');

    // The same delivery again (HubSpot retries, or someone replays it within the 5 minutes): stored once.
    const again = await deliver(body);
    expect(await again.json()).toEqual({ received: 2, queued: 0, duplicates: 2, ignored: 0 });
    await server.hubspotEvents.idle();
  });

  it('refuses a tampered body, a wrong secret, a stale timestamp and a missing signature with 401', async () => {
    const body = JSON.stringify([event('contact.creation', 1009)]);
    expect((await deliver(body, { tamper: (b) => b.replace('1009', '1010') })).status).toBe(401);
    expect((await deliver(body, { secret: 'not-the-app-secret' })).status).toBe(401);
    const stale = await deliver(body, { timestamp: Date.now() - 5 * 60_000 - 5000 });
    expect(stale.status).toBe(401);
    expect(await stale.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED', message: expect.stringMatching(/more than 5 minutes/) } });
    const unsigned = await fetch(`${server.url.replace('localhost', '127.0.0.1')}/webhooks/hubspot`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(unsigned.status).toBe(401);
    expect(await count('webhook_events', `AND object_id IN ('1009', '1010')`)).toBe(0);
  });

  it('acknowledges events of a portal no tenant owns and keeps nothing; refuses a signed body that is not a batch', async () => {
    const res = await deliver(JSON.stringify([event('contact.creation', 2001, {}, 99999999)]));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: 1, queued: 0, duplicates: 0, ignored: 1 });
    const bad = await deliver(JSON.stringify({ eventId: 1 }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'INVALID_REQUEST', message: expect.stringMatching(/not a batch of HubSpot events/) } });
  });

  it('refuses an oversized batch with 413, naming the limit, and stores none of it', async () => {
    const events = Array.from({ length: 9000 }, (_, i) => event('contact.propertyChange', 70_000 + i, { propertyName: 'jobtitle', propertyValue: 'x'.repeat(200) }));
    const res = await deliver(JSON.stringify(events));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'BODY_TOO_LARGE', message: expect.stringMatching(/larger than the limit of \d+ bytes/) } });
    expect(await count('webhook_events', `AND object_id = '70000'`)).toBe(0);
  });

  it('removes deleted contacts, and says on the connection which events it could not handle', async () => {
    const res = await deliver(JSON.stringify([event('contact.deletion', 1001, { changeFlag: 'DELETED' }), event('deal.creation', 7001)]));
    expect(await res.json()).toMatchObject({ queued: 2 });
    await server.hubspotEvents.idle();
    expect(await count('leads', `AND lead_id = '1001'`)).toBe(0);
    expect(await count('outbox', `AND lead_id = '1001' AND sent_at IS NULL`)).toBe(0);
    const connection = (await getConnection(server.db, acme, `hubspot-${HUB}`))!;
    expect(connection.settings.webhookProblems).toEqual(['subscription type deal.creation is not one Leadscore handles']);
    expect(connection.status).toBe('active');
  });

  it('erases every stored trace of a contact on a privacy deletion, and audits it without the contact id', async () => {
    nock(API).post('/crm/v3/objects/contacts/batch/read').reply(200, batchRead(['1003']));
    await deliver(JSON.stringify([event('contact.creation', 1003), event('contact.propertyChange', 1003, { propertyName: 'email', propertyValue: 'dana.lee+1003@globex.com' })]));
    await server.hubspotEvents.idle();
    await insertActivities(server.db, acme, [{ leadId: '1003', type: 'pricing_page_view', occurredAt: new Date(Date.now() - 3_600_000), channel: 'web', detail: '/pricing' }]);
    await server.db.query(`INSERT INTO jobs (tenant_id, job_id, kind, status, request) VALUES ('acme', gen_random_uuid(), 'rescore', 'succeeded', '{"leads": ["1003", "1002"]}')`);
    expect(await count('scores', `AND lead_id = '1003'`)).toBe(1);
    expect(await count('outbox', `AND lead_id = '1003'`)).toBe(1);

    const privacy = event('contact.privacyDeletion', 1003, { changeFlag: 'PRIVACY_DELETED' });
    expect((await deliver(JSON.stringify([privacy]))).status).toBe(200);
    await server.hubspotEvents.idle();
    for (const table of ['leads', 'activities', 'outcomes', 'scores', 'score_history', 'outbox']) expect(await count(table, `AND lead_id = '1003'`), table).toBe(0);
    expect(await count('webhook_events', `AND object_id = '1003'`)).toBe(0);
    expect((await server.db.query<{ request: unknown }>(`SELECT request FROM jobs WHERE tenant_id = 'acme'`))[0]!.request).toEqual({ leads: ['1002'] });
    const everything = JSON.stringify(await server.db.query(`SELECT * FROM webhook_events WHERE tenant_id = 'acme'`)) + JSON.stringify(await queryAudit(server.db, acme));
    expect(everything).not.toMatch(/1003/);
    // The privacy event is kept (so a redelivery is known), without the id.
    expect(await count('webhook_events', `AND event_id = '${privacy.eventId}' AND object_id IS NULL AND outcome = 'erased'`)).toBe(1);
    const [audit] = await queryAudit(server.db, acme);
    expect(audit).toMatchObject({ cause: `hubspot:${HUB}`, action: 'privacy_deletion', recordId: loadVault(null, dir).sign(`acme:hubspot:1003`), after: { removed: { leads: 1, activities: 1, scores: 1, scoreHistory: 1, outbox: 1, webhookEvents: 2, jobsScrubbed: 1 } } });
  });

  it('takes the app lifecycle event APP_UNINSTALL through the signed route; later deliveries for the portal are acknowledged and ignored', async () => {
    const uninstall = { eventId: nextEventId++, portalId: Number(HUB), appId: 3104829, occurredAt: Date.now() - 1000, subscriptionType: 'APP_LIFECYCLE_EVENT', action: 'APP_UNINSTALL', attemptNumber: 0 };
    expect(await (await deliver(JSON.stringify([uninstall]))).json()).toEqual({ received: 1, queued: 1, duplicates: 0, ignored: 0 });
    await server.hubspotEvents.idle();
    expect((await getConnection(server.db, acme, `hubspot-${HUB}`))!.status).toBe('uninstalled');
    expect(await count('leads', `AND lead_id = '1002'`)).toBe(1);
    const later = await deliver(JSON.stringify([event('contact.propertyChange', 1002, { propertyName: 'jobtitle', propertyValue: 'CFO' }), event('contact.privacyDeletion', 1002)]));
    expect(later.status).toBe(200);
    // A privacy deletion is still owed while the data is kept for the retention period.
    expect(await later.json()).toEqual({ received: 2, queued: 1, duplicates: 0, ignored: 1 });
    await server.hubspotEvents.idle();
    expect(await count('leads', `AND lead_id = '1002'`)).toBe(0);
  });
});
