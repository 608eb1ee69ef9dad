import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SalesforceSource } from '../connectors/salesforce/index.js';
import type { Activity, Outcome } from '../src/domain/index.js';
import { INSTANCE, soql, testSession, V } from './helpers/salesforce.js';

// A first backfill above the Bulk threshold reads activities and outcomes through Bulk API 2.0
// query jobs too. Bodies follow the documented Create Query Job, Get Job Info and Get Job Results
// answers (CSV, relationship fields as "Campaign.Type" columns, every value text, "" for null).

const jobInfo = (id: string, object: string, state: string) => ({ id, operation: 'query', object, createdById: '0055e000001XyZaAAB', createdDate: '2026-11-22T10:00:00.000+0000', systemModstamp: '2026-11-22T10:00:01.000+0000', state, concurrencyMode: 'Parallel', contentType: 'CSV', apiVersion: 62.0, lineEnding: 'LF', columnDelimiter: 'COMMA' });
const RESULTS: Record<string, { job: string; object: string; csv: string[] }> = {
  'FROM Lead ORDER BY': { job: '750R0000000LEADSAA', object: 'Lead', csv: ['Id,CreatedDate,Email,FirstName,LastName,Title,Company,Industry,NumberOfEmployees,AnnualRevenue,Country,LeadSource,SystemModstamp,IsConverted,Status', '00Q5e00000AAAAAEA1,2026-10-01T09:00:00.000Z,a@x.com,A,B,CTO,X,,,,US,Web,2026-11-19T09:00:00.000Z,true,Closed - Converted', '00Q5e00000BBBBBEA1,2026-10-01T09:00:00.000Z,,,,,,,,,,,2026-11-19T09:00:00.000Z,false,Unqualified'] },
  'FROM Task WHERE': { job: '750R0000000TASKSAA', object: 'Task', csv: ['Id,WhoId,Subject,TaskSubtype,CreatedDate,SystemModstamp', '00T5e000001,00Q5e00000AAAAAEA1,Discovery call,Call,2026-11-18T15:00:00.000Z,2026-11-18T15:00:00.000Z', '00T5e000002,0035e00000ZZZZZAA1,Contact task,Task,2026-11-18T15:00:00.000Z,2026-11-18T15:00:00.000Z'] },
  'FROM Event WHERE': { job: '750R0000000EVENTAA', object: 'Event', csv: ['Id,WhoId,Subject,StartDateTime,CreatedDate,SystemModstamp', '00U5e000001,00Q5e00000AAAAAEA1,Demo,,2026-11-19T10:00:00.000Z,2026-11-19T10:00:00.000Z'] },
  'FROM CampaignMember WHERE': { job: '750R0000000CMEMBAA', object: 'CampaignMember', csv: ['Id,LeadId,HasResponded,FirstRespondedDate,CreatedDate,Campaign.Type,Campaign.Name,SystemModstamp', '00v5e000001,00Q5e00000BBBBBEA1,true,2026-11-17,2026-11-16T10:00:00.000Z,Webinar,Q4 webinar,2026-11-17T10:00:00.000Z', '00v5e000002,00Q5e00000BBBBBEA1,false,,2026-11-16T10:00:00.000Z,Webinar,Q4 webinar,2026-11-17T11:00:00.000Z'] },
  'FROM Lead WHERE (IsConverted': { job: '750R0000000OUTCMAA', object: 'Lead', csv: ['Id,IsConverted,ConvertedDate,Status,LastModifiedDate,CreatedDate,ConvertedOpportunity.IsWon,ConvertedOpportunity.Amount,SystemModstamp', '00Q5e00000AAAAAEA1,true,2026-11-20,Closed - Converted,2026-11-20T10:00:00.000Z,2026-10-01T09:00:00.000Z,true,50000,2026-11-20T10:00:00.000Z', '00Q5e00000BBBBBEA1,false,,Unqualified,2026-11-21T10:00:00.000Z,2026-10-01T09:00:00.000Z,,,2026-11-21T10:00:00.000Z'] },
};

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe('first backfill through Bulk API 2.0', () => {
  it('reads activities and outcomes with Bulk query jobs when the Lead backfill was large, typed like the REST path', async () => {
    const submitted: string[] = [];
    const api = nock(INSTANCE).get(`${V}/query`).query(soql(/^SELECT COUNT\(\) FROM Lead$/)).reply(200, { totalSize: 25_000, done: true, records: [] });
    for (const [match, r] of Object.entries(RESULTS)) {
      api
        .post(`${V}/jobs/query`, (b: { operation: string; query: string }) => b.operation === 'query' && b.query.includes(match) && Boolean(submitted.push(b.query)))
        .reply(200, jobInfo(r.job, r.object, 'UploadComplete'))
        .get(`${V}/jobs/query/${r.job}`)
        .reply(200, jobInfo(r.job, r.object, 'JobComplete'))
        .get(`${V}/jobs/query/${r.job}/results`)
        .reply(200, `${r.csv.join('\n')}\n`, { 'Content-Type': 'text/csv', 'Sforce-Locator': 'null', 'Sforce-NumberOfRecords': String(r.csv.length - 1) });
    }
    const source = new SalesforceSource(testSession(), { bulkPollInterval: 1, bulkPollTimeout: 5000 });
    const drain = async <T>(it: AsyncIterable<{ records: Array<{ value: T }>; rejections: unknown[]; cursor: string | null }>) => {
      const out: { values: T[]; rejections: unknown[]; cursor: string | null } = { values: [], rejections: [], cursor: null };
      for await (const b of it) {
        out.values.push(...b.records.map((r) => r.value));
        out.rejections.push(...b.rejections);
        out.cursor = b.cursor ?? out.cursor;
      }
      return out;
    };
    expect((await drain(source.readLeads(null))).values).toHaveLength(2);
    const activities = await drain<Activity>(source.readActivities(null));
    const outcomes = await drain<Outcome>(source.readOutcomes(null));

    expect(submitted.slice(1)).toEqual([
      expect.stringMatching(/^SELECT Id, WhoId, .* FROM Task WHERE WhoId != null ORDER BY SystemModstamp, Id$/),
      expect.stringMatching(/FROM Event WHERE WhoId != null ORDER BY SystemModstamp, Id$/),
      expect.stringMatching(/FROM CampaignMember WHERE LeadId != null ORDER BY SystemModstamp, Id$/),
      expect.stringMatching(/FROM Lead WHERE \(IsConverted = true OR Status IN \('Unqualified', 'Disqualified'\)\) ORDER BY SystemModstamp, Id$/),
    ]);
    expect(activities.rejections).toEqual([]);
    expect(activities.values.map((a) => [a.leadId, a.type, a.occurredAt.toISOString(), a.detail])).toEqual([
      ['00Q5e00000AAAAAEA1', 'call', '2026-11-18T15:00:00.000Z', 'Discovery call'],
      // No StartDateTime ("" in the CSV): the event's creation time.
      ['00Q5e00000AAAAAEA1', 'meeting', '2026-11-19T10:00:00.000Z', 'Demo'],
      // "true" as text is a response; "false" is not.
      ['00Q5e00000BBBBBEA1', 'webinar_attended', '2026-11-17T00:00:00.000Z', 'Q4 webinar'],
    ]);
    expect(JSON.parse(activities.cursor!)).toEqual({ Task: '2026-11-18T15:00:00.000Z', Event: '2026-11-19T10:00:00.000Z', CampaignMember: '2026-11-17T11:00:00.000Z' });
    expect(outcomes.values).toEqual([
      { leadId: '00Q5e00000AAAAAEA1', converted: true, outcomeAt: new Date('2026-11-20T00:00:00Z'), amount: 50000 },
      { leadId: '00Q5e00000BBBBBEA1', converted: false, outcomeAt: new Date('2026-11-21T10:00:00Z'), amount: null },
    ]);
    expect(outcomes.cursor).toBe('2026-11-21T10:00:00.000Z');
    // Neither lead is open: nothing to retract.
    expect([...source.openLeadIds]).toEqual([]);
  });
});
