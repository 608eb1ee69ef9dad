import { randomBytes } from 'node:crypto';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVault } from '../src/config/secrets.js';
import { tenantId } from '../src/domain/index.js';
import { FolderModelSource, SHIPPED_DEFAULT_MODEL } from '../src/scoring/model-source.js';
import { syncSalesforce } from '../src/crm/salesforce-sync.js';
import { writebackSalesforce } from '../src/crm/salesforce-writeback.js';
import { ensureTenant, getConnection, getScores, getSyncCursors, pendingOutbox, saveConnection, type Database } from '../src/store/index.js';
import { openTestDatabase } from './helpers/db.js';
import { emptyQuery, INSTANCE, leadRecord, LOGIN, ORG, soql, tokens, V } from './helpers/salesforce.js';

const ID = `salesforce-${ORG}`;
const app = { loginUrl: LOGIN, clientId: '3MVG9test', clientSecret: 'secret' };
const vault = createVault(randomBytes(32));
const acme = tenantId('acme');
const recent = new Date(Date.now() - 3 * 86_400_000).toISOString().replace('Z', '+0000');
const lead = (id: string, modstamp: string) => leadRecord(id, { CreatedDate: recent, AnnualRevenue: null, SystemModstamp: modstamp });
const empty = emptyQuery;
const hourAgo = new Date(Math.floor((Date.now() - 3_600_000) / 1000) * 1000).toISOString();

let db: Database;
let models: FolderModelSource;
beforeAll(async () => {
  nock.disableNetConnect();
  db = await openTestDatabase();
  models = new FolderModelSource({ defaultDir: SHIPPED_DEFAULT_MODEL, tenantsDir: null });
  await ensureTenant(db, acme, 'Acme');
  await saveConnection(db, acme, {
    id: ID,
    kind: 'salesforce',
    externalAccountId: '00D5e000000AbCdEAF',
    status: 'active',
    settings: {},
    credentials: vault.seal({ ...tokens, refreshToken: 'refresh' }),
  });
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

describe('syncSalesforce', () => {
  it('backfills, stores each stream cursor, scores the new leads, then reads only what changed since', async () => {
    nock(INSTANCE)
      .get(`${V}/query`)
      .query(soql(/^SELECT COUNT\(\) FROM Lead$/))
      .reply(200, { totalSize: 3, done: true, records: [] })
      .get(`${V}/query`)
      .query(soql(/FROM Lead ORDER BY SystemModstamp, Id$/))
      .reply(200, {
        totalSize: 3,
        done: true,
        records: [lead('00Q5e00000AAAAAEA1', '2026-11-20T10:00:00.000+0000'), lead('00Q5e00000CCCCCEA1', '2026-11-20T10:30:00.000+0000'), lead('00Q5e00000BBBBBEA1', '2026-11-20T11:00:00.000+0000')],
      })
      .get(`${V}/query`)
      .query(soql(/FROM Task WHERE WhoId != null ORDER BY/))
      .reply(200, {
        totalSize: 1,
        done: true,
        records: [{ attributes: { type: 'Task', url: `${V}/sobjects/Task/00T1` }, Id: '00T5e000001', WhoId: '00Q5e00000AAAAAEA1', Subject: 'Call', TaskSubtype: 'Call', CreatedDate: recent, SystemModstamp: '2026-11-20T12:00:00.000+0000' }],
      })
      .get(`${V}/query`)
      .query(soql(/FROM Event WHERE WhoId != null ORDER BY/))
      .reply(200, empty)
      .get(`${V}/query`)
      .query(soql(/FROM CampaignMember WHERE LeadId != null ORDER BY/))
      .reply(200, empty)
      .get(`${V}/query`)
      .query(soql(/FROM Lead WHERE \(IsConverted = true/))
      .reply(200, empty)
      .get(`${V}/sobjects/Lead/deleted/`)
      .query((q) => Date.parse(String(q.start)) > Date.now() - 15 * 86_400_000 && Date.parse(String(q.end)) <= Date.now())
      .reply(200, { deletedRecords: [], earliestDateAvailable: new Date(Date.now() - 15 * 86_400_000).toISOString(), latestDateCovered: hourAgo });
    const [first] = await syncSalesforce(db, vault, app, models, acme);
    expect(first).toMatchObject({ connectionId: ID, status: 'synced', streams: { leads: { inserted: 3 }, activities: { inserted: 1 } }, deleted: 0, rescored: { leads: 3, changed: 3, writes: 3 } });
    const cursors = await getSyncCursors(db, acme, ID);
    expect(cursors.leads).toBe('2026-11-20T11:00:00.000Z');
    expect(JSON.parse(cursors.activities!)).toEqual({ Task: '2026-11-20T12:00:00.000Z' });
    expect(cursors.deletions).toBe(hourAgo);
    expect((await getScores(db, acme, ['00Q5e00000AAAAAEA1'])).get('00Q5e00000AAAAAEA1')?.score.status).toBe('scored');
    expect(await getConnection(db, acme, ID)).toMatchObject({ settings: { backfill: 'done', lastSyncAt: expect.any(String) } });

    nock(INSTANCE)
      .get(`${V}/query`)
      .query(soql(/FROM Lead WHERE SystemModstamp >= 2026-11-20T10:55:00Z ORDER BY/))
      .reply(200, { totalSize: 1, done: true, records: [lead('00Q5e00000BBBBBEA1', '2026-11-20T11:00:00.000+0000')] })
      .get(`${V}/query`)
      .query(soql(/FROM Task WHERE WhoId != null AND SystemModstamp >= 2026-11-20T11:55:00Z ORDER BY/))
      .reply(200, empty)
      .get(`${V}/query`)
      .query(soql(/FROM Event WHERE WhoId != null ORDER BY/))
      .reply(200, empty)
      .get(`${V}/query`)
      .query(soql(/FROM CampaignMember WHERE LeadId != null ORDER BY/))
      .reply(200, empty)
      .get(`${V}/query`)
      .query(soql(/FROM Lead WHERE \(IsConverted = true/))
      .reply(200, empty)
      .get(`${V}/sobjects/Lead/deleted/`)
      .query((q) => Date.parse(String(q.start)) === Date.parse(hourAgo))
      .reply(200, { deletedRecords: [{ id: '00Q5e00000CCCCCEA1', deletedDate: new Date(Date.now() - 1_800_000).toISOString() }], earliestDateAvailable: hourAgo, latestDateCovered: new Date().toISOString() });
    const outboxBefore = (await pendingOutbox(db, acme, 1000)).length;
    const [second] = await syncSalesforce(db, vault, app, models, acme);
    // The overlap re-read changes nothing and writes nothing.
    expect(second).toMatchObject({ status: 'synced', streams: { leads: { inserted: 0, updated: 0, unchanged: 1 } }, deleted: 1, rescored: { leads: 0, writes: 0 } });
    // The deleted lead is gone with its score.
    expect(await getScores(db, acme, ['00Q5e00000CCCCCEA1'])).toEqual(new Map());
    expect((await pendingOutbox(db, acme, 1000)).length).toBe(outboxBefore);
  });

  it('writes the pending scores back through the field mapping, settling each record on its own', async () => {
    const fieldNames = ['Leadscore_Score__c', 'Leadscore_Fit__c', 'Leadscore_Engagement__c', 'Leadscore_Grade__c', 'Leadscore_Tier__c', 'Leadscore_Reasons__c', 'Leadscore_Next_Action__c', 'Leadscore_Scored_At__c', 'Leadscore_Model_Version__c'];
    const bodies: Array<{ allOrNone: boolean; records: Array<Record<string, unknown>> }> = [];
    nock(INSTANCE)
      .get(`${V}/sobjects/Lead/describe`)
      .reply(200, { name: 'Lead', fields: [{ name: 'Id', type: 'id', length: 18, updateable: false }, ...fieldNames.map((name) => ({ name, type: name.endsWith('Reasons__c') ? 'textarea' : 'string', length: 1000, updateable: true }))] })
      .patch(`${V}/composite/sobjects`)
      .reply(200, (_uri, body) => {
        const b = body as (typeof bodies)[number];
        bodies.push(b);
        return b.records.map((r) =>
          r.id === '00Q5e00000BBBBBEA1'
            ? { id: r.id, success: false, errors: [{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Owner must be set first', fields: [] }] }
            : { id: r.id, success: true, errors: [] },
        );
      });
    const report = await writebackSalesforce(db, vault, app, acme);
    expect(report).toMatchObject({ connectionId: ID, sent: 1, failed: 1, retryLater: 0, calls: 1 });
    expect(report!.errors[0]).toMatch(/00Q5e00000BBBBBEA1: FIELD_CUSTOM_VALIDATION_EXCEPTION: 00Q5e00000BBBBBEA1: Owner must be set first/);
    const sent = bodies[0]!.records.find((r) => r.id === '00Q5e00000AAAAAEA1')!;
    expect(sent).toMatchObject({ attributes: { type: 'Lead' }, Leadscore_Score__c: expect.any(Number), Leadscore_Tier__c: expect.stringMatching(/Hot|Warm|Nurture/), Leadscore_Grade__c: expect.stringMatching(/^[A-D][1-4]$/), Leadscore_Model_Version__c: expect.any(String) });
    expect(Number.isInteger(sent.Leadscore_Score__c)).toBe(true);
    expect(await pendingOutbox(db, acme, 100, `salesforce:${ORG}`)).toEqual([]);
    const [failed] = await db.query<{ failed_at: Date | null; last_error: string }>(`SELECT failed_at, last_error FROM outbox WHERE tenant_id = 'acme' AND lead_id = '00Q5e00000BBBBBEA1'`);
    expect(failed).toMatchObject({ failed_at: expect.any(Date), last_error: expect.stringMatching(/^FIELD_CUSTOM_VALIDATION_EXCEPTION/) });
    // Nothing pending: no call at all.
    expect(await writebackSalesforce(db, vault, app, acme)).toMatchObject({ sent: 0, calls: 0 });
  });

  it('reports a revoked grant and marks the connection, without throwing', async () => {
    nock(INSTANCE).get(`${V}/query`).query(true).reply(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    nock(LOGIN).post('/services/oauth2/token').reply(400, { error: 'invalid_grant', error_description: 'expired access/refresh token' });
    const [report] = await syncSalesforce(db, vault, app, models, acme);
    expect(report).toMatchObject({ connectionId: ID, status: 'needs_reconnect' });
    expect((await getConnection(db, acme, ID))!.status).toBe('needs_reconnect');
    expect((await syncSalesforce(db, vault, app, models, acme))[0]).toMatchObject({ status: 'needs_reconnect' });
  });
});
