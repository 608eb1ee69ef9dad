import { randomBytes } from 'node:crypto';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toLead, type HubSpotTokens } from '../connectors/hubspot/index.js';
import { createLogger } from '../src/config/log.js';
import { createVault } from '../src/config/secrets.js';
import { tenantId, type Lead, type TenantId } from '../src/domain/index.js';
import { FolderModelSource, SHIPPED_DEFAULT_MODEL } from '../src/scoring/model-source.js';
import { DEFAULT_SETTINGS, saveSettings } from '../src/settings/index.js';
import { connectHubspot } from '../src/crm/hubspot-connect.js';
import { HubSpotWebhookProcessor } from '../src/server/hubspot-events.js';
import { deleteExpiredHubspotData, markHubspotUninstalled } from '../src/crm/hubspot-lifecycle.js';
import { syncHubspot } from '../src/crm/hubspot-sync.js';
import { writebackHubspot } from '../src/crm/hubspot-writeback.js';
import { enqueueWebhookEvents, ensureTenant, getConnection, getSyncCursors, nextWriteDue, queryAudit, recordAudit, saveConnection, saveSyncCursor, upsertLeads, type Database } from '../src/store/index.js';
import { openTestDatabase } from './helpers/db.js';
import { API, app, contact, HUB, leadscoreProperties, privateTokens } from './helpers/hubspot.js';

/**
 * The app leaving a portal: HubSpot's token endpoint refusing the refresh token (400
 * BAD_REFRESH_TOKEN, as documented for OAuth v1) or the app lifecycle event APP_UNINSTALL; then
 * the daily retention job, and a reinstall within the retention period.
 */
const vault = createVault(randomBytes(32));
const DAY = 86_400_000;
const ID = `hubspot-${HUB}`;
const oauthTokens: HubSpotTokens = {
  mode: 'oauth',
  accessToken: 'CJSP5qf1KhICAQEYs-gDIIGOBii1hQIyGQAf3xBKmlwHjX7OIpuIFEavB2-qYAGQsF4',
  refreshToken: 'de4b0c0f-2f3a-4b9e-9c7d-1e2f3a4b5c6d',
  expiresAt: new Date(Date.now() - 60_000).toISOString(),
  hubId: HUB,
  hubDomain: 'acme.hubspot.com',
  scopes: ['oauth', 'crm.objects.contacts.read'],
};
const recent = new Date(Date.now() - 5 * DAY).toISOString();
const leads = (...ids: string[]) => ids.map((id) => toLead(contact(id, { createdate: recent })) as Lead);
const log = createLogger('error', () => undefined);

let db: Database;
let models: FolderModelSource;
beforeAll(async () => {
  nock.disableNetConnect();
  db = await openTestDatabase();
  models = new FolderModelSource({ defaultDir: SHIPPED_DEFAULT_MODEL, tenantsDir: null });
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

async function portalWithData(tenant: TenantId, connectionId: string, hubId: string, tokens: HubSpotTokens) {
  await ensureTenant(db, tenant, tenant);
  await saveConnection(db, tenant, { id: connectionId, kind: 'hubspot', externalAccountId: hubId, status: 'active', settings: {}, credentials: vault.seal(tokens) });
  await upsertLeads(db, tenant, leads('101', '102'), 'hubspot');
  await upsertLeads(db, tenant, leads('f-1'), 'file');
  await saveSyncCursor(db, tenant, connectionId, 'leads', JSON.stringify({ since: recent }));
  await recordAudit(db, tenant, [{ action: 'field_write', recordId: '101', connectionId, before: null, after: { leadscore_score: 88, email: 'dana.lee+101@globex.com' }, cause: 'score 1', outcome: 'written' }]);
}
const countLeads = async (tenant: string, source: string) => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM leads WHERE tenant_id = $1 AND source = $2`, [tenant, source]))[0]!.n);
const outcomes = async (tenant: string) => Object.fromEntries((await db.query<{ event_id: string; outcome: string }>(`SELECT event_id, outcome FROM webhook_events WHERE tenant_id = $1`, [tenant])).map((r) => [r.event_id, r.outcome]));
const stored = (connectionId: string, eventId: string, payload: Record<string, unknown>) => ({
  connectionId,
  accountId: String(payload.portalId),
  eventId,
  subscriptionType: String(payload.subscriptionType),
  objectId: payload.objectId === undefined ? null : String(payload.objectId),
  occurredAt: new Date(Number(payload.occurredAt)),
  payload,
});

describe('HubSpot uninstall', () => {
  const acme = tenantId('acme');

  it('a refresh token HubSpot refuses marks the portal uninstalled; sync, writeback and webhook work for it stop, a privacy deletion is still carried out', async () => {
    await portalWithData(acme, ID, HUB, oauthTokens);
    nock(API).post('/oauth/v1/token', (b) => b.grant_type === 'refresh_token' && b.refresh_token === oauthTokens.refreshToken).reply(400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or unknown refresh token', correlationId: '7c1b2a3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' });
    const [report] = await syncHubspot(db, vault, app, models, acme);
    expect(report).toMatchObject({ connectionId: ID, status: 'uninstalled', error: expect.stringMatching(/uninstalled or its access revoked/) });
    const connection = (await getConnection(db, acme, ID))!;
    expect(connection.status).toBe('uninstalled');
    expect(Date.now() - Date.parse(connection.settings.uninstalledAt as string)).toBeLessThan(60_000);
    const [audit] = await queryAudit(db, acme, { action: 'connection_uninstalled' });
    expect(audit).toMatchObject({ recordId: ID, after: { status: 'uninstalled', retentionDays: 30 }, outcome: 'uninstalled' });

    // No call reaches HubSpot any more (the network is closed: one would fail the run).
    expect(await syncHubspot(db, vault, app, models, acme)).toMatchObject([{ status: 'uninstalled' }]);
    expect(await writebackHubspot(db, vault, app, acme)).toBeNull();
    // Its waiting writes stay, with no due time that would keep a writeback job polling.
    await db.query(`INSERT INTO outbox (tenant_id, lead_id, kind, payload) VALUES ('acme', '101', 'score', '{"composite": 88}')`);
    expect(await nextWriteDue(db, acme)).toBeNull();
    const processor = new HubSpotWebhookProcessor({ db, vault, app, models, log });
    const base = { portalId: Number(HUB), appId: 3104829, subscriptionId: 2845117, occurredAt: Date.now(), attemptNumber: 0 };
    await enqueueWebhookEvents(db, acme, [
      stored(ID, '9100', { ...base, eventId: '9100', subscriptionType: 'contact.propertyChange', objectId: 101, propertyName: 'jobtitle' }),
      stored(ID, '9101', { ...base, eventId: '9101', subscriptionType: 'contact.privacyDeletion', objectId: 102 }),
    ]);
    await processor.process(acme);
    expect(await outcomes('acme')).toEqual({ '9100': 'ignored: the app is uninstalled from this portal', '9101': 'erased' });
    expect(await countLeads('acme', 'hubspot')).toBe(1);
  });

  it('the daily retention job deletes the portal data once the retention period has passed, audited with counts only', async () => {
    const uninstalledAt = Date.parse((await getConnection(db, acme, ID))!.settings.uninstalledAt as string);
    expect(await deleteExpiredHubspotData(db, acme, new Date(uninstalledAt + 29 * DAY))).toEqual([]);
    expect(await countLeads('acme', 'hubspot')).toBe(1);

    const [deleted] = await deleteExpiredHubspotData(db, acme, new Date(uninstalledAt + 30 * DAY + 1000));
    expect(deleted).toMatchObject({ connectionId: ID, leads: 1, outbox: 1, auditEntries: 1 });
    expect(await countLeads('acme', 'hubspot')).toBe(0);
    expect(await countLeads('acme', 'file')).toBe(1);
    expect(await getSyncCursors(db, acme, ID)).toEqual({});
    const connection = (await getConnection(db, acme, ID))!;
    expect(connection.credentials).toBeNull();
    expect(await queryAudit(db, acme, { action: 'field_write' })).toEqual([]);
    const [entry] = await queryAudit(db, acme, { action: 'portal_data_deletion' });
    expect(entry).toMatchObject({ recordId: ID, after: { leads: 1, retentionDays: 30 }, outcome: 'deleted' });
    expect(JSON.stringify(entry)).not.toMatch(/dana|globex|"101"|"102"/);
    // Done once: a later run finds nothing left to delete.
    expect(await deleteExpiredHubspotData(db, acme, new Date(uninstalledAt + 60 * DAY))).toEqual([]);
  });

  it('honours the retention period the settings name', async () => {
    const tenant = tenantId('short');
    await portalWithData(tenant, 'hubspot-555', '555', { ...privateTokens, hubId: '555' });
    await saveSettings(db, tenant, { ...DEFAULT_SETTINGS, hubspot: { ...DEFAULT_SETTINGS.hubspot, retentionDays: 7 } }, 'test');
    const at = new Date('2026-11-01T00:00:00.000Z');
    expect(await markHubspotUninstalled(db, tenant, 'hubspot-555', 'test', at)).toBe(true);
    expect(await markHubspotUninstalled(db, tenant, 'hubspot-555', 'a late redelivery', new Date('2026-11-05T00:00:00.000Z'))).toBe(false);
    expect(await deleteExpiredHubspotData(db, tenant, new Date(at.getTime() + 6 * DAY))).toEqual([]);
    expect(await deleteExpiredHubspotData(db, tenant, new Date(at.getTime() + 7 * DAY))).toMatchObject([{ connectionId: 'hubspot-555', leads: 2 }]);
  });

  it('a reinstall within the retention period resumes with the kept data and sync positions', async () => {
    const tenant = tenantId('beta');
    const hub = '24108352';
    const tokens = { ...privateTokens, hubId: hub };
    await portalWithData(tenant, `hubspot-${hub}`, hub, tokens);
    await markHubspotUninstalled(db, tenant, `hubspot-${hub}`, 'test', new Date(Date.now() - 10 * DAY));
    nock(API)
      .get('/crm/v3/properties/contacts/groups/leadscore')
      .reply(200, { name: 'leadscore', label: 'Leadscore', displayOrder: -1, archived: false })
      .get('/crm/v3/properties/contacts')
      .query({ archived: 'false' })
      .reply(200, { results: leadscoreProperties() });
    await connectHubspot(db, vault, app, tenant, tokens);
    const connection = (await getConnection(db, tenant, `hubspot-${hub}`))!;
    expect(connection).toMatchObject({ status: 'active', settings: { uninstalledAt: null, dataKept: true, reinstalledAt: expect.any(String) } });
    expect(await getSyncCursors(db, tenant, `hubspot-${hub}`)).toEqual({ leads: JSON.stringify({ since: recent }) });
    expect(await countLeads('beta', 'hubspot')).toBe(2);
    expect(await deleteExpiredHubspotData(db, tenant, new Date(Date.now() + 60 * DAY))).toEqual([]);
  });

  it("the app lifecycle event APP_UNINSTALL marks the portal uninstalled; the batch's other events are acknowledged and ignored", async () => {
    const tenant = tenantId('gamma');
    const hub = '24108353';
    await portalWithData(tenant, `hubspot-${hub}`, hub, { ...privateTokens, hubId: hub });
    const base = { portalId: Number(hub), appId: 3104829, occurredAt: Date.now() - 5000 };
    await enqueueWebhookEvents(db, tenant, [
      stored(`hubspot-${hub}`, '9200', { ...base, eventId: '9200', subscriptionType: 'contact.creation', objectId: 103 }),
      stored(`hubspot-${hub}`, '9201', { ...base, eventId: '9201', subscriptionType: 'APP_LIFECYCLE_EVENT', action: 'APP_UNINSTALL' }),
    ]);
    await new HubSpotWebhookProcessor({ db, vault, app, models, log }).process(tenant);
    expect(await outcomes('gamma')).toEqual({ '9200': 'ignored: the app is uninstalled from this portal', '9201': 'uninstalled' });
    const connection = (await getConnection(db, tenant, `hubspot-${hub}`))!;
    expect(connection).toMatchObject({ status: 'uninstalled', settings: { uninstalledAt: new Date(base.occurredAt).toISOString(), uninstallCause: expect.stringMatching(/event 9201/) } });
    expect(await countLeads('gamma', 'hubspot')).toBe(2);
  });
});
