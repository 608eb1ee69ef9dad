import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SalesforceSink, SalesforceSource } from '../connectors/salesforce/index.js';
import { INSTANCE, leadRecord, soql, testSession, V } from './helpers/salesforce.js';

// Bad input from Salesforce: a field deleted by an admin between Describe and write, and malformed
// or partial query answers. Error bodies follow the REST API's documented [{message, errorCode}] shape.

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

const field = (name: string) => ({ name, type: name === 'Id' ? 'id' : 'string', length: 255, updateable: name !== 'Id' });

describe('a field deleted by an admin', () => {
  it('fails the call once, then describes again and writes the rest without it, saying so', async () => {
    const sink = new SalesforceSink(testSession());
    const update = { leadId: '00Q5e00000AAAAAEA1', fields: { Leadscore_Score__c: 71, Leadscore_Fit__c: 40 }, scoreVersion: 9 };
    nock(INSTANCE)
      .get(`${V}/sobjects/Lead/describe`)
      .reply(200, { name: 'Lead', fields: ['Id', 'Leadscore_Score__c', 'Leadscore_Fit__c'].map(field) })
      .patch(`${V}/composite/sobjects`)
      .reply(400, [{ message: "No such column 'Leadscore_Fit__c' on sobject of type Lead", errorCode: 'INVALID_FIELD' }]);
    await expect(sink.writeFieldUpdates([update])).rejects.toThrow(/INVALID_FIELD: No such column 'Leadscore_Fit__c'/);

    let sent: Record<string, unknown> = {};
    nock(INSTANCE)
      .get(`${V}/sobjects/Lead/describe`)
      .reply(200, { name: 'Lead', fields: ['Id', 'Leadscore_Score__c'].map(field) })
      .patch(`${V}/composite/sobjects`, (b: { records: Array<Record<string, unknown>> }) => Boolean((sent = b.records[0]!)))
      .reply(200, [{ id: '00Q5e00000AAAAAEA1', success: true, errors: [] }]);
    const [result] = await sink.writeFieldUpdates([update]);
    expect(sent).toEqual({ attributes: { type: 'Lead' }, id: '00Q5e00000AAAAAEA1', Leadscore_Score__c: 71 });
    expect(result).toEqual({ leadId: '00Q5e00000AAAAAEA1', ok: true, warnings: ['Lead.Leadscore_Fit__c does not exist in this org; left out'] });
  });
});

describe('malformed and partial answers', () => {
  it('rejects a record without an Id, keeps the rest, and names a page without records as the error', async () => {
    nock(INSTANCE)
      .get(`${V}/query`)
      .query(soql(/FROM Lead WHERE SystemModstamp >= /))
      .reply(200, { totalSize: 3, done: false, nextRecordsUrl: `${V}/query/01gD0000002HU6KIAW-2000`, records: [leadRecord('00Q5e00000AAAAAEA1'), { attributes: { type: 'Lead', url: '' }, Email: 'x@y.com' }] })
      .get(`${V}/query/01gD0000002HU6KIAW-2000`)
      .reply(200, { totalSize: 3, done: true });
    const source = new SalesforceSource(testSession());
    const seen: string[] = [];
    const rejected: string[] = [];
    const read = async () => {
      for await (const batch of source.readLeads('2026-11-20T00:00:00.000Z')) {
        seen.push(...batch.records.map((r) => r.value.id));
        rejected.push(...batch.rejections.map((r) => `${r.file} ${r.column}: ${r.reason}`));
      }
    };
    await expect(read()).rejects.toMatchObject({ code: 'CRM_REQUEST_FAILED', message: expect.stringMatching(/Lead query \(.*01gD0000002HU6KIAW-2000\) without a records list; the records read before it are stored/) });
    // The first page was handed over (and stored with its cursor) before the bad one.
    expect(seen).toEqual(['00Q5e00000AAAAAEA1']);
    expect(rejected).toEqual([expect.stringMatching(/^Lead Id: Salesforce answered a Lead record without an Id/)]);
  });

  it('names a getDeleted answer without its lists', async () => {
    nock(INSTANCE).get(`${V}/sobjects/Lead/deleted/`).query(true).reply(200, { earliestDateAvailable: '2026-11-10T00:00:00.000+0000' });
    await expect(new SalesforceSource(testSession()).readDeletions('2026-11-24T00:00:00.000Z', new Date('2026-11-25T00:00:00Z'))).rejects.toThrow(/getDeleted request without deletedRecords or latestDateCovered/);
  });
});
