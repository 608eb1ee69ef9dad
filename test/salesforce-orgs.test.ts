import { randomBytes } from 'node:crypto';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVault } from '../src/config/secrets.js';
import { connectionSource, sourceMatches, tenantId } from '../src/domain/index.js';
import { FolderModelSource, SHIPPED_DEFAULT_MODEL } from '../src/scoring/model-source.js';
import { syncSalesforce } from '../src/crm/salesforce-sync.js';
import { writebackSalesforce } from '../src/crm/salesforce-writeback.js';
import { ensureTenant, getConnection, getLead, getLeadSource, loadMigrations, migrate, pendingOutbox, pgliteDatabase, saveConnection, upsertLeads, type Database } from '../src/store/index.js';
import { PGlite } from '@electric-sql/pglite';
import { openTestDatabase } from './helpers/db.js';
import { currentSettings, DEFAULT_SETTINGS, describeIssues, saveSettings, SettingsSchema } from '../src/settings/index.js';
import { emptyQuery, leadRecord, LOGIN, soql, tokens, V } from './helpers/salesforce.js';

/** One tenant, two Salesforce orgs: each org's leads are kept apart and written back to their own org. */
const app = { loginUrl: LOGIN, clientId: '3MVG9test', clientSecret: 'secret' };
const vault = createVault(randomBytes(32));
const acme = tenantId('acme');
const orgs = [
  { orgId: '00D5e000000AbCdEAF', instance: 'https://acme-emea.my.salesforce.com', leads: ['00Q5e00000AAAAAEA1', '00Q5e00000AAAABEA1'] },
  { orgId: '00D8d000000XyZwEAF', instance: 'https://acme-amer.my.salesforce.com', leads: ['00Q8d00000BBBBBEA2'] },
];
const recent = new Date(Date.now() - 3 * 86_400_000).toISOString().replace('Z', '+0000');
const fieldNames = ['Leadscore_Score__c', 'Leadscore_Fit__c', 'Leadscore_Engagement__c', 'Leadscore_Grade__c', 'Leadscore_Tier__c', 'Leadscore_Reasons__c', 'Leadscore_Next_Action__c', 'Leadscore_Scored_At__c', 'Leadscore_Model_Version__c'];

function backfill(org: (typeof orgs)[number]) {
  nock(org.instance)
    .get(`${V}/query`)
    .query(soql(/^SELECT COUNT\(\) FROM Lead$/))
    .reply(200, { totalSize: org.leads.length, done: true, records: [] })
    .get(`${V}/query`)
    .query(soql(/FROM Lead ORDER BY SystemModstamp, Id$/))
    .reply(200, { totalSize: org.leads.length, done: true, records: org.leads.map((id) => leadRecord(id, { CreatedDate: recent, AnnualRevenue: null })) })
    .get(`${V}/query`)
    .query(soql(/FROM (Task|Event) WHERE WhoId != null ORDER BY/))
    .times(2)
    .reply(200, emptyQuery)
    .get(`${V}/query`)
    .query(soql(/FROM CampaignMember WHERE LeadId != null ORDER BY/))
    .reply(200, emptyQuery)
    .get(`${V}/query`)
    .query(soql(/FROM Lead WHERE \(IsConverted = true/))
    .reply(200, emptyQuery)
    .get(`${V}/sobjects/Lead/deleted/`)
    .query(true)
    .reply(200, { deletedRecords: [], earliestDateAvailable: new Date(Date.now() - 15 * 86_400_000).toISOString(), latestDateCovered: new Date().toISOString() });
}

/** An org that accepts every record of a collection PATCH; the bodies are kept to check which records went where. */
function acceptsWrites(org: (typeof orgs)[number], bodies: string[][]) {
  nock(org.instance)
    .get(`${V}/sobjects/Lead/describe`)
    .reply(200, { name: 'Lead', fields: [{ name: 'Id', type: 'id', length: 18, updateable: false }, ...fieldNames.map((name) => ({ name, type: 'string', length: 1000, updateable: true }))] })
    .patch(`${V}/composite/sobjects`)
    .reply(200, (_uri, body) => {
      const records = (body as { records: Array<{ id: string }> }).records;
      bodies.push(records.map((r) => r.id));
      return records.map((r) => ({ id: r.id, success: true, errors: [] }));
    });
}

let db: Database;
let models: FolderModelSource;
beforeAll(async () => {
  nock.disableNetConnect();
  db = await openTestDatabase();
  models = new FolderModelSource({ defaultDir: SHIPPED_DEFAULT_MODEL, tenantsDir: null });
  await ensureTenant(db, acme, 'Acme');
  for (const org of orgs) {
    const sealed = vault.seal({ ...tokens, orgId: org.orgId, instanceUrl: org.instance, refreshToken: 'refresh' });
    await saveConnection(db, acme, { id: `salesforce-${org.orgId}`, kind: 'salesforce', externalAccountId: org.orgId, status: 'active', settings: {}, credentials: sealed });
  }
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

describe('several Salesforce orgs in one tenant', () => {
  it('syncs each org into leads whose source names the org', async () => {
    orgs.forEach(backfill);
    const reports = await syncSalesforce(db, vault, app, models, acme);
    expect(reports.map((r) => [r.connectionId, r.status, r.streams?.leads.inserted])).toEqual([
      [`salesforce-${orgs[0]!.orgId}`, 'synced', 2],
      [`salesforce-${orgs[1]!.orgId}`, 'synced', 1],
    ]);
    for (const org of orgs) for (const id of org.leads) expect(await getLeadSource(db, acme, id)).toBe(`salesforce:${org.orgId}`);
  });

  it("reads an org through its own field mapping where settings.salesforce.orgs names one, the others through the tenant's", async () => {
    const { settings } = await currentSettings(db, acme);
    const own = { fields: { ...settings.salesforce.leadFields.fields, industry: 'Sector__c' }, attributes: { region: 'Sales_Region__c' } };
    await saveSettings(db, acme, { ...settings, salesforce: { ...settings.salesforce, orgs: { [orgs[1]!.orgId]: { leadFields: own } } } }, 'test');
    const [emea, amer] = orgs as [(typeof orgs)[number], (typeof orgs)[number]];
    const selects: string[] = [];
    const lead = (org: typeof emea, fields: Record<string, unknown>) =>
      nock(org.instance)
        .get(`${V}/query`)
        .query((q) => {
          const text = String(q.q);
          if (!/ FROM Lead WHERE SystemModstamp >= /.test(text)) return false;
          selects.push(`${org.orgId} ${text}`);
          return true;
        })
        .reply(200, { totalSize: 1, done: true, records: [leadRecord(org.leads[0]!, { CreatedDate: recent, ...fields })] });
    lead(emea, {});
    // The org with its own mapping is described first: Leadscore reads only the fields it has.
    nock(amer.instance)
      .get(`${V}/sobjects/Lead/describe`)
      .reply(200, { name: 'Lead', fields: ['Id', 'Email', 'FirstName', 'LastName', 'Title', 'Company', 'NumberOfEmployees', 'AnnualRevenue', 'Country', 'LeadSource', 'Sector__c', 'Sales_Region__c'].map((name) => ({ name, relationshipName: null })) });
    lead(amer, { Industry: 'Ignored', Sector__c: 'Aerospace', Sales_Region__c: 'West' });
    for (const org of orgs) {
      nock(org.instance)
        .get(`${V}/query`)
        .query(soql(/FROM (Task|Event) WHERE WhoId != null/))
        .times(2)
        .reply(200, emptyQuery)
        .get(`${V}/query`)
        .query(soql(/FROM CampaignMember WHERE LeadId != null/))
        .reply(200, emptyQuery)
        .get(`${V}/query`)
        .query(soql(/FROM Lead WHERE \(IsConverted = true/))
        .reply(200, emptyQuery);
      // getDeleted is not asked again within a minute of the last sync's window.
    }
    const reports = await syncSalesforce(db, vault, app, models, acme);
    expect(reports.map((r) => [r.status, r.error])).toEqual([['synced', undefined], ['synced', undefined]]);
    expect(selects.find((q) => q.startsWith(emea.orgId))).toMatch(/SELECT Id, CreatedDate, Email, .*Industry.* FROM Lead/);
    expect(selects.find((q) => q.startsWith(emea.orgId))).not.toContain('Sector__c');
    expect(selects.find((q) => q.startsWith(amer.orgId))).toMatch(/Sector__c.*Sales_Region__c/);
    expect(await getLead(db, acme, amer.leads[0]!)).toMatchObject({ industry: 'Aerospace', attributes: { region: 'West' } });
    expect((await getLead(db, acme, emea.leads[0]!))?.industry).toBe('Manufacturing');
    await saveSettings(db, acme, settings, 'test');
  });

  it('refuses a per-org mapping under something that is not an org id, naming it', () => {
    const parsed = SettingsSchema.safeParse({ ...DEFAULT_SETTINGS, salesforce: { ...DEFAULT_SETTINGS.salesforce, orgs: { 'acme-emea': { leadFields: DEFAULT_SETTINGS.salesforce.leadFields } } } });
    expect(parsed.success).toBe(false);
    expect(describeIssues(parsed.error!)).toEqual([{ field: 'salesforce.orgs.acme-emea', message: expect.stringContaining('must be a Salesforce org id') }]);
  });

  it('writes each lead back to its own org', async () => {
    expect((await pendingOutbox(db, acme)).length).toBe(3);
    const emea: string[][] = [];
    const amer: string[][] = [];
    acceptsWrites(orgs[0]!, emea);
    acceptsWrites(orgs[1]!, amer);
    const report = await writebackSalesforce(db, vault, app, acme);
    expect(emea.flat().sort()).toEqual([...orgs[0]!.leads].sort());
    expect(amer.flat()).toEqual(orgs[1]!.leads);
    expect(report).toMatchObject({ sent: 3, failed: 0, calls: 2, connectionId: `salesforce-${orgs[0]!.orgId}, salesforce-${orgs[1]!.orgId}` });
    expect(await pendingOutbox(db, acme)).toEqual([]);
  });

  it('one org’s revoked grant marks that org and holds back only its own leads’ writes', async () => {
    const rows = [...orgs[0]!.leads, ...orgs[1]!.leads].map((id) => ({ id, p: { status: 'scored', composite: 91, fit: 80, engagement: 70, grade: 'A1', tier: 'Hot', reasons: 'VP title', nextAction: 'Call', scoredAt: new Date().toISOString(), modelVersion: 'm2' } }));
    await db.query(`INSERT INTO outbox (tenant_id, lead_id, kind, payload) SELECT $1, r.id, 'score', r.p FROM jsonb_to_recordset($2::jsonb) AS r(id text, p jsonb)`, [acme, JSON.stringify(rows)]);
    const emea: string[][] = [];
    acceptsWrites(orgs[0]!, emea);
    // The AMER org's access token expired and its refresh token was revoked.
    nock(orgs[1]!.instance).get(`${V}/sobjects/Lead/describe`).reply(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    nock(LOGIN).post('/services/oauth2/token').reply(400, { error: 'invalid_grant', error_description: 'expired access/refresh token' });
    const report = await writebackSalesforce(db, vault, app, acme);
    expect(emea.flat().sort()).toEqual([...orgs[0]!.leads].sort());
    expect(report).toMatchObject({ sent: 2, connectionId: `salesforce-${orgs[0]!.orgId}` });
    expect(report!.errors).toEqual([expect.stringMatching(new RegExp(`^salesforce-${orgs[1]!.orgId}: .*refresh token`))]);
    expect((await getConnection(db, acme, `salesforce-${orgs[1]!.orgId}`))!.status).toBe('needs_reconnect');
    expect((await pendingOutbox(db, acme)).map((e) => e.leadId)).toEqual(orgs[1]!.leads);
  });
});

describe('lead sources', () => {
  it('name the org for Salesforce, and a request for "salesforce" finds a lead of any org', () => {
    expect(connectionSource('salesforce', '00D5e000000AbCdEAF')).toBe('salesforce:00D5e000000AbCdEAF');
    expect(connectionSource('hubspot', '62515')).toBe('hubspot');
    expect(sourceMatches('salesforce:00D5e000000AbCdEAF', 'salesforce')).toBe(true);
    expect(sourceMatches('salesforce:00D5e000000AbCdEAF', 'salesforce:00D5e000000AbCdEAF')).toBe(true);
    expect(sourceMatches('salesforce:00D5e000000AbCdEAF', 'salesforce:00D8d000000XyZwEAF')).toBe(false);
    expect(sourceMatches('hubspot', 'salesforce')).toBe(false);
    expect(sourceMatches(null, 'salesforce')).toBe(false);
  });
});

describe('migration 014', () => {
  it("relabels the leads of a tenant's only org with its org id, and leaves a tenant with two orgs as it was", async () => {
    const old = pgliteDatabase(await PGlite.create(), 'memory');
    await migrate(old, loadMigrations().filter((m) => m.version < 14));
    const lead = (id: string) => ({ id, createdAt: new Date('2026-10-01T00:00:00Z'), email: null, firstName: null, lastName: null, title: null, company: null, industry: null, employees: null, annualRevenue: null, country: null, leadSource: null, attributes: {} });
    for (const [tenant, orgIds] of [['solo', ['00D5e000000AbCdEAF']], ['duo', ['00D5e000000AbCdEAF', '00D8d000000XyZwEAF']]] as const) {
      await ensureTenant(old, tenantId(tenant), tenant);
      for (const orgId of orgIds) await saveConnection(old, tenantId(tenant), { id: `salesforce-${orgId}`, kind: 'salesforce', externalAccountId: orgId, status: 'active', settings: {}, credentials: null });
      await upsertLeads(old, tenantId(tenant), [lead('00Q5e00000AAAAAEA1')], 'salesforce');
      await upsertLeads(old, tenantId(tenant), [lead('L-file-1')], 'file');
    }
    await migrate(old);
    expect(await getLeadSource(old, tenantId('solo'), '00Q5e00000AAAAAEA1')).toBe('salesforce:00D5e000000AbCdEAF');
    expect(await getLeadSource(old, tenantId('solo'), 'L-file-1')).toBe('file');
    expect(await getLeadSource(old, tenantId('duo'), '00Q5e00000AAAAAEA1')).toBe('salesforce');
    await old.close();
  });
});
