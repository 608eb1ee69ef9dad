import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SalesforceSource } from '../connectors/salesforce/index.js';
import { tenantId } from '../src/domain/index.js';
import { DEFAULT_CONTACT_FIELDS } from '../src/settings/index.js';
import { ensureTenant, getLead, getOutcome, listActivities, type Database } from '../src/store/index.js';
import { importFromSource } from '../src/sync/index.js';
import { openTestDatabase } from './helpers/db.js';
import { INSTANCE, leadRecord, record, soql, testSession, V } from './helpers/salesforce.js';

const lead = leadRecord;
const rec = record;
const soqlIs = soql;
const session = testSession();
let db: Database;
const acme = tenantId('acme');

beforeAll(async () => {
  nock.disableNetConnect();
  db = await openTestDatabase();
  await ensureTenant(db, acme, 'Acme');
});
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(async () => {
  nock.enableNetConnect();
  await db.close();
});

describe('SalesforceSource', () => {
  it('reads leads page by page, activities from Tasks, Events and campaign responses, and conversions as outcomes', async () => {
    nock(INSTANCE)
      .get(`${V}/query`)
      .query(soqlIs(/^SELECT COUNT\(\) FROM Lead$/))
      .reply(200, { totalSize: 3, done: true, records: [] })
      .get(`${V}/query`)
      .query(soqlIs(/^SELECT Id, CreatedDate, Email.* FROM Lead ORDER BY SystemModstamp, Id$/))
      .reply(200, { totalSize: 3, done: false, nextRecordsUrl: `${V}/query/01gD0000002HU6KIAW-2000`, records: [lead('00Q5e00000AAAAAEA1'), lead('00Q5e00000BBBBBEA1', { NumberOfEmployees: -5 })] })
      .get(`${V}/query/01gD0000002HU6KIAW-2000`)
      .reply(200, { totalSize: 3, done: true, records: [lead('00Q5e00000CCCCCEA1', { SystemModstamp: '2026-11-21T08:00:00.000+0000' })] })
      .get(`${V}/query`)
      .query(soqlIs(/FROM Task WHERE WhoId != null ORDER BY/))
      .reply(200, {
        totalSize: 3,
        done: true,
        records: [
          rec('Task', { Id: '00T5e000001', WhoId: '00Q5e00000AAAAAEA1', Subject: 'Discovery call', TaskSubtype: 'Call', CreatedDate: '2026-11-18T15:00:00.000+0000', SystemModstamp: '2026-11-18T15:00:00.000+0000' }),
          rec('Task', { Id: '00T5e000002', WhoId: '0035e00000ZZZZZAA1', Subject: 'Contact task', TaskSubtype: 'Task', CreatedDate: '2026-11-18T15:00:00.000+0000', SystemModstamp: '2026-11-18T15:00:00.000+0000' }),
          rec('Task', { Id: '00T5e000003', WhoId: '00Q5e00000AAAAAEA1', Subject: 'Follow-up', TaskSubtype: 'Email', CreatedDate: '2026-11-19T09:00:00.000+0000', SystemModstamp: '2026-11-19T09:00:00.000+0000' }),
        ],
      })
      .get(`${V}/query`)
      .query(soqlIs(/FROM Event WHERE WhoId != null ORDER BY/))
      .reply(200, { totalSize: 1, done: true, records: [rec('Event', { Id: '00U5e000001', WhoId: '00Q5e00000CCCCCEA1', Subject: 'Demo', StartDateTime: '2026-11-20T16:00:00.000+0000', CreatedDate: '2026-11-19T10:00:00.000+0000', SystemModstamp: '2026-11-19T10:00:00.000+0000' })] })
      .get(`${V}/query`)
      .query(soqlIs(/FROM CampaignMember WHERE LeadId != null ORDER BY/))
      .reply(200, {
        totalSize: 2,
        done: true,
        records: [
          rec('CampaignMember', { Id: '00v5e000001', LeadId: '00Q5e00000AAAAAEA1', HasResponded: true, FirstRespondedDate: '2026-11-10', CreatedDate: '2026-11-01T00:00:00.000+0000', Campaign: { attributes: { type: 'Campaign' }, Type: 'Webinar', Name: 'Ops Summit' }, SystemModstamp: '2026-11-10T00:00:00.000+0000' }),
          rec('CampaignMember', { Id: '00v5e000002', LeadId: '00Q5e00000CCCCCEA1', HasResponded: false, FirstRespondedDate: null, CreatedDate: '2026-11-01T00:00:00.000+0000', Campaign: { attributes: { type: 'Campaign' }, Type: 'Email', Name: 'Newsletter' }, SystemModstamp: '2026-11-10T00:00:00.000+0000' }),
        ],
      })
      .get(`${V}/query`)
      .query(soqlIs(/FROM Lead WHERE \(IsConverted = true OR Status IN \('Unqualified', 'Disqualified'\)\) ORDER BY/))
      .reply(200, {
        totalSize: 1,
        done: true,
        records: [
          rec('Lead', { Id: '00Q5e00000CCCCCEA1', IsConverted: true, ConvertedDate: '2026-11-21', Status: 'Qualified', LastModifiedDate: '2026-11-21T08:00:00.000+0000', CreatedDate: '2026-10-01T09:00:00.000+0000', ConvertedOpportunity: { attributes: { type: 'Opportunity' }, IsWon: true, Amount: 48000 }, SystemModstamp: '2026-11-21T08:00:00.000+0000' }),
        ],
      });

    const result = await importFromSource(db, acme, new SalesforceSource(session));
    expect(result.streams.leads).toMatchObject({ inserted: 2, rejected: 1 });
    expect(result.rejections[0]).toMatchObject({ file: 'Lead/00Q5e00000BBBBBEA1', column: 'employees' });
    expect(await getLead(db, acme, '00Q5e00000AAAAAEA1')).toMatchObject({ title: 'VP Operations', employees: 800, country: 'US', leadSource: 'Web' });
    const activities = await listActivities(db, acme, '00Q5e00000AAAAAEA1');
    expect(activities.map((a) => [a.type, a.detail])).toEqual([
      ['webinar_attended', 'Ops Summit'],
      ['call', 'Discovery call'],
      ['email_sent', 'Follow-up'],
    ]);
    expect((await listActivities(db, acme, '00Q5e00000CCCCCEA1')).map((a) => a.type)).toEqual(['meeting']);
    expect(await getOutcome(db, acme, '00Q5e00000CCCCCEA1')).toMatchObject({ converted: true, amount: 48000, outcomeAt: new Date('2026-11-21T00:00:00Z') });
  });

  it('reads from a cursor less the overlap window, so late commits are not missed', async () => {
    const source = new SalesforceSource(session, { overlapSeconds: 300 });
    nock(INSTANCE)
      .get(`${V}/query`)
      .query(soqlIs(/FROM Lead WHERE SystemModstamp >= 2026-11-21T07:55:00Z ORDER BY SystemModstamp, Id$/))
      .reply(200, { totalSize: 1, done: true, records: [lead('00Q5e00000CCCCCEA1', { SystemModstamp: '2026-11-21T08:00:00.000+0000' })] });
    const batches = [];
    for await (const b of source.readLeads('2026-11-21T08:00:00.000+0000')) batches.push(b);
    expect(batches).toHaveLength(1);
    expect(batches[0]!.cursor).toBe('2026-11-21T08:00:00.000Z');
  });
});

describe('SalesforceSource backfill through Bulk API 2.0', () => {
  it('uses a Bulk API query job above the threshold and reads its CSV results, typed like the REST path', async () => {
    const job = '750R0000000zlh9IAA';
    const info = (state: string) => ({ id: job, operation: 'query', object: 'Lead', createdById: '0055e000001XyZaAAB', createdDate: '2026-11-22T10:00:00.000+0000', systemModstamp: '2026-11-22T10:00:01.000+0000', state, concurrencyMode: 'Parallel', contentType: 'CSV', apiVersion: 62.0, lineEnding: 'LF', columnDelimiter: 'COMMA' });
    // Two result pages, each a CSV document with its header, as the Bulk API pages large results.
    const header = 'Id,CreatedDate,Email,FirstName,LastName,Title,Company,Industry,NumberOfEmployees,AnnualRevenue,Country,LeadSource,SystemModstamp';
    const page1 = [header, '00Q5e00000DDDDDEA1,2026-10-01T09:00:00.000Z,ed@initech.com,Ed,Stone,CTO,Initech,Software,45,,DE,Partner,2026-11-19T09:00:00.000Z', ''].join('\n');
    const page2 = [header, '00Q5e00000EEEEEEA1,2026-10-02T09:00:00.000Z,,,"Ng, Jr.",Student,,,,,,,2026-11-21T09:30:00.000Z', ''].join('\n');
    let submitted = '';
    nock(INSTANCE)
      .get(`${V}/query`)
      .query(soqlIs(/^SELECT COUNT\(\) FROM Lead$/))
      .reply(200, { totalSize: 25000, done: true, records: [] })
      .post(`${V}/jobs/query`, (body: { operation: string; query: string }) => {
        submitted = body.query;
        return body.operation === 'query';
      })
      .reply(200, info('UploadComplete'))
      .get(`${V}/jobs/query/${job}`)
      .reply(200, { ...info('JobComplete'), numberRecordsProcessed: 2, retries: 0, totalProcessingTime: 334 })
      .get(`${V}/jobs/query/${job}/results`)
      .reply(200, page1, { 'Content-Type': 'text/csv', 'Sforce-Locator': 'MTAwMDA', 'Sforce-NumberOfRecords': '1' })
      .get(`${V}/jobs/query/${job}/results`)
      .query({ locator: 'MTAwMDA' })
      .reply(200, page2, { 'Content-Type': 'text/csv', 'Sforce-Locator': 'null', 'Sforce-NumberOfRecords': '1' });
    const source = new SalesforceSource(session, { bulkPollInterval: 10, bulkPollTimeout: 5000 });
    const leads = [];
    let cursor: string | null = null;
    for await (const batch of source.readLeads(null)) {
      leads.push(...batch.records.map((r) => r.value));
      cursor = batch.cursor ?? cursor;
    }
    expect(submitted).toMatch(/^SELECT Id, CreatedDate, .* FROM Lead ORDER BY SystemModstamp, Id$/);
    expect(leads).toHaveLength(2);
    expect(leads[0]).toMatchObject({ id: '00Q5e00000DDDDDEA1', employees: 45, annualRevenue: null, country: 'DE', title: 'CTO', email: 'ed@initech.com' });
    expect(leads[1]).toMatchObject({ id: '00Q5e00000EEEEEEA1', email: null, lastName: 'Ng, Jr.', employees: null, company: null });
    expect(cursor).toBe('2026-11-21T09:30:00.000Z');
  });

  it('leaves the contacts converted leads became out of a Contact backfill through Bulk API 2.0 too', async () => {
    const job = '750R0000000zlhAIAQ';
    const info = (state: string) => ({ id: job, operation: 'query', object: 'Contact', state, contentType: 'CSV', apiVersion: 62.0, lineEnding: 'LF', columnDelimiter: 'COMMA' });
    const field = (name: string, relationshipName: string | null = null) => ({ name, type: relationshipName ? 'reference' : 'string', relationshipName });
    let submitted = '';
    nock(INSTANCE)
      .get(`${V}/query`)
      .query(soqlIs(/^SELECT COUNT\(\) FROM Lead$/))
      .reply(200, { totalSize: 0, done: true, records: [] })
      .get(`${V}/query`)
      .query(soqlIs(/FROM Lead ORDER BY SystemModstamp, Id$/))
      .reply(200, { totalSize: 0, done: true, records: [] })
      .get(`${V}/sobjects/Contact/describe`)
      .reply(200, { name: 'Contact', fields: [...['Id', 'Email', 'FirstName', 'LastName', 'Title', 'MailingCountry', 'LeadSource'].map((n) => field(n)), field('AccountId', 'Account')] })
      .get(`${V}/query`)
      .query(soqlIs(/^SELECT COUNT\(\) FROM Contact$/))
      .reply(200, { totalSize: 25000, done: true, records: [] })
      .post(`${V}/jobs/query`, (body: { query: string }) => Boolean((submitted = body.query)))
      .reply(200, info('UploadComplete'))
      .get(`${V}/jobs/query/${job}`)
      .reply(200, info('JobComplete'))
      .get(`${V}/jobs/query/${job}/results`)
      .reply(200, ['Id,CreatedDate,Email,SystemModstamp', '0035e00000C1CCCAA1,2026-10-02T09:00:00.000Z,kim@initech.com,2026-11-20T09:00:00.000Z', ''].join('\n'), { 'Content-Type': 'text/csv', 'Sforce-Locator': 'null' });
    const source = new SalesforceSource(session, { bulkPollInterval: 10, bulkPollTimeout: 5000, contacts: { fields: DEFAULT_CONTACT_FIELDS } });
    const people = [];
    for await (const batch of source.readLeads(null)) people.push(...batch.records.map((r) => r.value.id));
    expect(submitted).toMatch(/ FROM Contact WHERE Id NOT IN \(SELECT ConvertedContactId FROM Lead WHERE IsConverted = true\) ORDER BY SystemModstamp, Id$/);
    expect(people).toEqual(['0035e00000C1CCCAA1']);
  });
});

describe('SalesforceSource mappings', () => {
  it('maps tasks and campaign responses through the mapping RevOps edit, skipping what it leaves out', async () => {
    const task = (id: string, subtype: string) => record('Task', { Id: id, WhoId: '00Q5e00000AAAAAEA1', Subject: subtype, TaskSubtype: subtype, CreatedDate: '2026-11-18T15:00:00.000+0000', SystemModstamp: '2026-11-18T15:00:00.000+0000' });
    const member = (id: string, type: string) => record('CampaignMember', { Id: id, LeadId: '00Q5e00000AAAAAEA1', HasResponded: true, FirstRespondedDate: '2026-11-10', CreatedDate: '2026-11-01T00:00:00.000+0000', Campaign: { Type: type, Name: type }, SystemModstamp: '2026-11-10T00:00:00.000+0000' });
    nock(INSTANCE)
      .get(`${V}/query`)
      .query(soql(/FROM Task /))
      .reply(200, { totalSize: 2, done: true, records: [task('00T1', 'Call'), task('00T2', 'Email')] })
      .get(`${V}/query`)
      .query(soql(/FROM Event /))
      .reply(200, { totalSize: 0, done: true, records: [] })
      .get(`${V}/query`)
      .query(soql(/FROM CampaignMember /))
      .reply(200, { totalSize: 2, done: true, records: [member('00v1', 'Roadshow'), member('00v2', 'Webinar')] });
    const source = new SalesforceSource(testSession(), { taskTypes: { call: 'phone_call' }, campaignTypes: { roadshow: 'event_attended', '*': 'form_submit' } });
    const types: string[] = [];
    for await (const batch of source.readActivities(null)) types.push(...batch.records.map((r) => `${r.value.detail}:${r.value.type}`));
    expect(types).toEqual(['Call:phone_call', 'Roadshow:event_attended', 'Webinar:form_submit']);
  });
});
