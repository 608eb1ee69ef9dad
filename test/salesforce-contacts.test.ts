import { randomBytes } from 'node:crypto';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createVault } from '../src/config/secrets.js';
import { tenantId } from '../src/domain/index.js';
import { FolderModelSource, SHIPPED_DEFAULT_MODEL } from '../src/scoring/model-source.js';
import { syncSalesforce } from '../src/crm/salesforce-sync.js';
import { writebackSalesforce } from '../src/crm/salesforce-writeback.js';
import { currentSettings, saveSettings, SettingsSchema } from '../src/settings/index.js';
import { ensureTenant, getConnection, getLead, getOutcome, listActivities, pendingOutbox, queryAudit, saveConnection, type Database } from '../src/store/index.js';
import { openTestDatabase } from './helpers/db.js';
import { emptyQuery, INSTANCE, leadRecord, LOGIN, ORG, record, soql, tokens, V } from './helpers/salesforce.js';

// Contacts synced beside Leads, an edited field mapping (with a field an admin deleted), a lead
// un-converted by an admin, and writeback to Contacts with a refused picklist value and a partial
// answer. Bodies are shaped like the REST query, Describe, getDeleted and sObject Collections answers.

const ID = `salesforce-${ORG}`;
const app = { loginUrl: LOGIN, clientId: '3MVG9test', clientSecret: 'secret' };
const vault = createVault(randomBytes(32));
const globex = tenantId('globex');
const L1 = '00Q5e00000L1LLLEA1';
const L2 = '00Q5e00000L2LLLEA1';
const C1 = '0035e00000C1CCCAA1';
/** The contact L1 became when it was converted. */
const C9 = '0035e00000C9CCCAA1';
const hourAgo = new Date(Math.floor((Date.now() - 3_600_000) / 1000) * 1000).toISOString();
const noDeletions = { deletedRecords: [], earliestDateAvailable: hourAgo, latestDateCovered: hourAgo };
const field = (name: string, extra: Record<string, unknown> = {}) => ({ name, type: 'string', length: 255, updateable: true, relationshipName: null, ...extra });
const leadDescribe = { name: 'Lead', fields: ['Id', 'Email', 'FirstName', 'LastName', 'Title', 'Company', 'Industry', 'NumberOfEmployees', 'AnnualRevenue', 'Country', 'LeadSource', 'Segment__c'].map((n) => field(n)) };
const contactDescribe = { name: 'Contact', fields: [...['Id', 'Email', 'FirstName', 'LastName', 'Title', 'MailingCountry', 'LeadSource'].map((n) => field(n)), field('AccountId', { type: 'reference', relationshipName: 'Account' })] };
const contact = (id: string, modstamp: string) =>
  record('Contact', {
    Id: id,
    CreatedDate: '2026-10-02T09:00:00.000+0000',
    Email: 'kim@initech.com',
    FirstName: 'Kim',
    LastName: 'Park',
    Title: 'Head of IT',
    Account: { attributes: { type: 'Account', url: `${V}/sobjects/Account/0015e00000A1AAAAA1` }, Name: 'Initech', Industry: 'Software', NumberOfEmployees: 300, AnnualRevenue: null },
    MailingCountry: 'DE',
    LeadSource: 'Webinar',
    SystemModstamp: modstamp,
  });

/**
 * An incremental sync's calls: Leads changed since `leadsSince` (the cursor less 5 minutes), no
 * changed Contacts since `contactsSince`, no activities, the outcome records given, no deletions.
 */
function incrementalSync(leadsSince: string, leads: unknown[], contactsSince: string, outcomes: unknown[]): void {
  const since = (object: string, at: string, where = '') => new RegExp(`FROM ${object} WHERE ${where}SystemModstamp >= ${at.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ORDER BY`);
  nock(INSTANCE)
    .get(`${V}/sobjects/Lead/describe`)
    .reply(200, leadDescribe)
    .get(`${V}/query`)
    .query(soql(since('Lead', leadsSince)))
    .reply(200, { totalSize: leads.length, done: true, records: leads })
    .get(`${V}/sobjects/Contact/describe`)
    .reply(200, contactDescribe)
    .get(`${V}/query`)
    // Contacts that converted leads became are left out by Salesforce itself.
    .query(soql(since('Contact', contactsSince, 'Id NOT IN \\(SELECT ConvertedContactId FROM Lead WHERE IsConverted = true\\) AND ')))
    .reply(200, emptyQuery)
    .get(`${V}/query`)
    .query(soql(/FROM (Task|Event|CampaignMember) WHERE/))
    .times(3)
    .reply(200, emptyQuery)
    .get(`${V}/query`)
    .query(soql(/FROM Lead WHERE \(IsConverted = true/))
    .reply(200, { totalSize: outcomes.length, done: true, records: outcomes })
    .get(`${V}/sobjects/Lead/deleted/`)
    .query(true)
    .reply(200, noDeletions)
    .get(`${V}/sobjects/Contact/deleted/`)
    .query(true)
    .reply(200, noDeletions);
}

let db: Database;
let models: FolderModelSource;
beforeAll(async () => {
  nock.disableNetConnect();
  db = await openTestDatabase();
  models = new FolderModelSource({ defaultDir: SHIPPED_DEFAULT_MODEL, tenantsDir: null });
  await ensureTenant(db, globex, 'Globex');
  const settings = structuredClone((await currentSettings(db, globex)).settings);
  settings.salesforce.syncContacts = true;
  // Region__c was deleted by an admin after it was mapped.
  settings.salesforce.leadFields.attributes = { segment: 'Segment__c', region: 'Region__c' };
  await saveSettings(db, globex, SettingsSchema.parse(settings), 'test');
  await saveConnection(db, globex, { id: ID, kind: 'salesforce', externalAccountId: ORG, status: 'active', settings: {}, credentials: vault.seal({ ...tokens, refreshToken: 'refresh' }) });
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

describe('Salesforce Contacts, field mapping and un-conversion', () => {
  it('syncs Contacts beside Leads through their mappings, leaves out a deleted mapped field and says so', async () => {
    let leadSoql = '';
    let contactSoql = '';
    nock(INSTANCE)
      .get(`${V}/sobjects/Lead/describe`)
      .reply(200, leadDescribe)
      .get(`${V}/query`)
      .query(soql(/^SELECT COUNT\(\) FROM Lead$/))
      .reply(200, { totalSize: 2, done: true, records: [] })
      .get(`${V}/query`)
      .query((q) => /FROM Lead ORDER BY SystemModstamp, Id$/.test(String(q.q)) && Boolean((leadSoql = String(q.q))))
      .reply(200, {
        totalSize: 2,
        done: true,
        records: [
          leadRecord(L1, { Segment__c: 'Enterprise', IsConverted: true, Status: 'Closed - Converted', ConvertedContactId: C9, SystemModstamp: '2026-11-20T10:00:00.000+0000' }),
          leadRecord(L2, { Segment__c: null, IsConverted: false, Status: 'Working', SystemModstamp: '2026-11-20T11:00:00.000+0000' }),
        ],
      })
      .get(`${V}/sobjects/Contact/describe`)
      .reply(200, contactDescribe)
      .get(`${V}/query`)
      .query(soql(/^SELECT COUNT\(\) FROM Contact$/))
      .reply(200, { totalSize: 1, done: true, records: [] })
      .get(`${V}/query`)
      .query((q) => /FROM Contact WHERE Id NOT IN \(SELECT ConvertedContactId FROM Lead WHERE IsConverted = true\) ORDER BY SystemModstamp, Id$/.test(String(q.q)) && Boolean((contactSoql = String(q.q))))
      .reply(200, { totalSize: 1, done: true, records: [contact(C1, '2026-11-20T09:00:00.000+0000')] })
      .get(`${V}/query`)
      .query(soql(/FROM Task WHERE WhoId != null ORDER BY/))
      .reply(200, {
        totalSize: 3,
        done: true,
        records: [
          record('Task', { Id: '00T5e000011', WhoId: L2, Subject: 'Intro call', TaskSubtype: 'Call', CreatedDate: '2026-11-18T15:00:00.000+0000', SystemModstamp: '2026-11-18T15:00:00.000+0000' }),
          record('Task', { Id: '00T5e000012', WhoId: C1, Subject: 'Follow-up', TaskSubtype: 'Email', CreatedDate: '2026-11-19T09:00:00.000+0000', SystemModstamp: '2026-11-19T09:00:00.000+0000' }),
          // L1's call, which Salesforce moved to the contact L1 became.
          record('Task', { Id: '00T5e000013', WhoId: C9, Subject: 'Discovery call', TaskSubtype: 'Call', CreatedDate: '2026-11-15T09:00:00.000+0000', SystemModstamp: '2026-11-20T10:00:00.000+0000' }),
        ],
      })
      .get(`${V}/query`)
      .query(soql(/FROM Event WHERE WhoId != null ORDER BY/))
      .reply(200, emptyQuery)
      .get(`${V}/query`)
      .query(soql(/^SELECT Id, LeadId, ContactId, .* FROM CampaignMember WHERE \(LeadId != null OR ContactId != null\) ORDER BY/))
      .reply(200, {
        totalSize: 1,
        done: true,
        records: [record('CampaignMember', { Id: '00v5e000001', LeadId: null, ContactId: C1, HasResponded: true, FirstRespondedDate: '2026-11-17', CreatedDate: '2026-11-16T10:00:00.000+0000', Campaign: { attributes: { type: 'Campaign', url: '' }, Type: 'Webinar', Name: 'Q4 webinar' }, SystemModstamp: '2026-11-17T10:00:00.000+0000' })],
      })
      .get(`${V}/query`)
      .query(soql(/FROM Lead WHERE \(IsConverted = true/))
      .reply(200, { totalSize: 1, done: true, records: [record('Lead', { Id: L1, IsConverted: true, ConvertedDate: '2026-11-20', Status: 'Closed - Converted', LastModifiedDate: '2026-11-20T10:00:00.000+0000', CreatedDate: '2026-10-01T09:00:00.000+0000', ConvertedOpportunity: null, SystemModstamp: '2026-11-20T10:00:00.000+0000' })] })
      .get(`${V}/sobjects/Lead/deleted/`)
      .query(true)
      .reply(200, noDeletions)
      .get(`${V}/sobjects/Contact/deleted/`)
      .query(true)
      .reply(200, noDeletions);
    const [report] = await syncSalesforce(db, vault, app, models, globex);
    expect(report).toMatchObject({ status: 'synced', streams: { leads: { inserted: 3 }, activities: { inserted: 4 }, outcomes: { inserted: 1 } }, retractedOutcomes: 0 });
    expect(report!.warnings).toEqual(['Lead.Region__c (mapped to region) does not exist in this org or is not visible to the connected user; it is not read']);
    expect(leadSoql).toMatch(/, Segment__c, SystemModstamp, IsConverted, Status, ConvertedContactId FROM Lead/);
    expect(leadSoql).not.toMatch(/Region__c/);
    expect(contactSoql).toMatch(/^SELECT Id, CreatedDate, Email, FirstName, LastName, Title, Account\.Name, Account\.Industry, Account\.NumberOfEmployees, Account\.AnnualRevenue, MailingCountry, LeadSource, SystemModstamp FROM Contact/);
    // Leads and Contacts side by side, each under its own Salesforce id; the contact's company is its Account.
    expect(await getLead(db, globex, L1)).toMatchObject({ company: 'Globex', attributes: { segment: 'Enterprise' } });
    expect(await getLead(db, globex, C1)).toMatchObject({ company: 'Initech', industry: 'Software', employees: 300, annualRevenue: null, country: 'DE', attributes: {} });
    expect((await listActivities(db, globex, C1)).map((a) => a.type).sort()).toEqual(['email_sent', 'webinar_attended']);
    expect(await getOutcome(db, globex, L1)).toMatchObject({ converted: true });
    // The converted lead is one person: no second lead for its contact, whose activity is the lead's.
    expect(await getLead(db, globex, C9)).toBeNull();
    expect((await listActivities(db, globex, L1)).map((a) => a.type)).toEqual(['call']);
    expect((await getConnection(db, globex, ID))!.settings.syncWarnings).toEqual(report!.warnings);
  });

  it('retracts the stored outcome of a lead an admin un-converted, audits it, and scores the lead again', async () => {
    incrementalSync('2026-11-20T10:55:00Z', [leadRecord(L1, { Segment__c: 'Enterprise', IsConverted: false, Status: 'Working', SystemModstamp: '2026-11-21T08:00:00.000+0000' })], '2026-11-20T08:55:00Z', []);
    const [report] = await syncSalesforce(db, vault, app, models, globex);
    expect(report).toMatchObject({ status: 'synced', retractedOutcomes: 1, rescored: { leads: 1 } });
    expect(await getOutcome(db, globex, L1)).toBeNull();
    const audit = await queryAudit(db, globex, { action: 'outcome_retracted', limit: 10 });
    expect(audit).toEqual([expect.objectContaining({ recordId: L1, connectionId: ID, outcome: 'retracted', before: { converted: true, outcomeAt: '2026-11-20T00:00:00.000Z', amount: null }, note: expect.stringMatching(/un-converted/) })]);
    expect((await getConnection(db, globex, ID))!.settings.lastRetractedOutcomes).toMatchObject({ count: 1, newest: [{ leadId: L1, was: 'converted' }] });
    // The reopened lead is open again and has a write queued like any other changed score.
    expect((await pendingOutbox(db, globex, 100, `salesforce:${ORG}`)).map((e) => e.leadId)).toContain(L1);
  });

  it('writes back to Contact fields beside Lead fields; a refused picklist value and a partial answer leave the rest written', async () => {
    const names = ['Leadscore_Score__c', 'Leadscore_Fit__c', 'Leadscore_Engagement__c', 'Leadscore_Grade__c', 'Leadscore_Reasons__c', 'Leadscore_Next_Action__c', 'Leadscore_Scored_At__c', 'Leadscore_Model_Version__c'];
    const describeFor = (object: string) => ({ name: object, fields: [field('Id', { type: 'id', updateable: false }), ...names.map((n) => field(n)), field('Leadscore_Tier__c', { type: 'picklist', length: 40 })] });
    const pending = (await pendingOutbox(db, globex, 100, `salesforce:${ORG}`)).map((e) => e.leadId).sort();
    expect(pending).toEqual([L1, L2, C1].sort());
    let sent: Array<Record<string, unknown>> = [];
    nock(INSTANCE)
      .get(`${V}/sobjects/Lead/describe`)
      .reply(200, describeFor('Lead'))
      .get(`${V}/sobjects/Contact/describe`)
      .reply(200, describeFor('Contact'))
      .patch(`${V}/composite/sobjects`)
      .reply(200, (_uri, body) => {
        sent = (body as { records: Array<Record<string, unknown>> }).records;
        // L2's tier is not a value of the restricted picklist; the answer stops short of the last record.
        return sent.slice(0, -1).map((r) =>
          r.id === L2
            ? { id: L2, success: false, errors: [{ statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: `bad value for restricted picklist field: ${String(r.Leadscore_Tier__c)}`, fields: ['Leadscore_Tier__c'] }] }
            : { id: r.id, success: true, errors: [] },
        );
      });
    const report = await writebackSalesforce(db, vault, app, globex);
    const last = String(sent[sent.length - 1]!.id);
    expect(sent.find((r) => r.id === C1)).toMatchObject({ attributes: { type: 'Contact' }, Leadscore_Tier__c: expect.any(String) });
    expect(sent.find((r) => r.id === L1)).toMatchObject({ attributes: { type: 'Lead' } });
    expect(report).toMatchObject({ failed: 1, retryLater: 1, sent: 1 });
    expect(report!.errors.join('\n')).toMatch(new RegExp(`${L2}: INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: .*bad value for restricted picklist field.*\\(fields: Leadscore_Tier__c\\)`));
    expect(report!.errors.join('\n')).toMatch(new RegExp(`${last}: NO_RESULT`));
    const status = (await getConnection(db, globex, ID))!.settings.lastWriteback as { sent: number; failed: number; errors: string[] };
    expect(status).toMatchObject({ sent: 1, failed: 1, retryLater: 1 });
    expect(status.errors.some((e) => e.includes('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST'))).toBe(true);
  });

  it('drops a stored contact once a lead is converted into it: the person is that lead, with its outcome', async () => {
    expect(await getLead(db, globex, C1)).not.toBeNull();
    incrementalSync(
      '2026-11-21T07:55:00Z',
      [leadRecord(L2, { Segment__c: null, IsConverted: true, Status: 'Closed - Converted', ConvertedContactId: C1, SystemModstamp: '2026-11-22T08:00:00.000+0000' })],
      '2026-11-20T08:55:00Z',
      [record('Lead', { Id: L2, IsConverted: true, ConvertedDate: '2026-11-22', Status: 'Closed - Converted', LastModifiedDate: '2026-11-22T08:00:00.000+0000', CreatedDate: '2026-10-01T09:00:00.000+0000', ConvertedOpportunity: null, SystemModstamp: '2026-11-22T08:00:00.000+0000' })],
    );
    const [report] = await syncSalesforce(db, vault, app, models, globex);
    expect(report).toMatchObject({ status: 'synced', deleted: 1, streams: { outcomes: { inserted: 1 } } });
    expect(await getLead(db, globex, C1)).toBeNull();
    expect(await listActivities(db, globex, C1)).toEqual([]);
    expect(await getOutcome(db, globex, L2)).toMatchObject({ converted: true });
    expect((await pendingOutbox(db, globex, 100, `salesforce:${ORG}`)).map((e) => e.leadId)).not.toContain(C1);
  });
});
