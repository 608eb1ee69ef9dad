import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SalesforceSink } from '../connectors/salesforce/index.js';
import type { FieldUpdate } from '../src/domain/index.js';
import { INSTANCE, testSession, V } from './helpers/salesforce.js';

/** Bodies shaped like Salesforce's sObject Collections (PATCH /composite/sobjects) and Describe answers. */
const session = testSession();
const describe_ = (name: string) => ({
  name,
  fields: [
    { name: 'Id', type: 'id', length: 18, updateable: false },
    { name: 'Leadscore_Score__c', type: 'double', length: 0, updateable: true },
    { name: 'Leadscore_Tier__c', type: 'string', length: 40, updateable: true },
    { name: 'Leadscore_Reasons__c', type: 'textarea', length: 255, updateable: true },
    { name: 'Leadscore_Scored_At__c', type: 'datetime', length: 0, updateable: true },
  ],
});
const leadId = (i: number) => `00Q5e0000${String(i).padStart(6, '0')}EA1`;
const update = (id: string, fields: FieldUpdate['fields'] = { Leadscore_Score__c: 71, Leadscore_Tier__c: 'Hot' }): FieldUpdate => ({ leadId: id, fields, scoreVersion: 1 });
type Body = { allOrNone: boolean; records: Array<{ attributes: { type: string }; id: string } & Record<string, unknown>> };

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe('SalesforceSink', () => {
  it('writes in collections of 200 with allOrNone false, and reports each record on its own', async () => {
    const sizes: number[] = [];
    nock(INSTANCE).get(`${V}/sobjects/Lead/describe`).reply(200, describe_('Lead'));
    nock(INSTANCE)
      .patch(`${V}/composite/sobjects`)
      .times(3)
      .reply(200, (_uri, body) => {
        const { allOrNone, records } = body as Body;
        expect(allOrNone).toBe(false);
        sizes.push(records.length);
        return records.map((r) =>
          r.id === leadId(7)
            ? { id: r.id, success: false, errors: [{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Tier must be set by RevOps', fields: ['Leadscore_Tier__c'] }] }
            : { id: r.id, success: true, errors: [] },
        );
      });
    const results = await new SalesforceSink(session).writeFieldUpdates(Array.from({ length: 450 }, (_, i) => update(leadId(i))));
    expect(sizes).toEqual([200, 200, 50]);
    expect(results.filter((r) => r.ok)).toHaveLength(449);
    expect(results[7]).toMatchObject({ ok: false, error: { code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', retryable: false, message: expect.stringMatching(/^00Q5e0000000007EA1: Tier must be set.*Leadscore_Tier__c/) } });
  });

  it('retries records Salesforce could not lock, leaves out fields the org lacks, and cuts long text to the field', async () => {
    const bodies: Body[] = [];
    nock(INSTANCE).get(`${V}/sobjects/Lead/describe`).reply(200, describe_('Lead')).get(`${V}/sobjects/Contact/describe`).reply(200, describe_('Contact'));
    nock(INSTANCE)
      .patch(`${V}/composite/sobjects`)
      .reply(200, (_uri, body) => {
        bodies.push(body as Body);
        return (body as Body).records.map((r, i) =>
          i === 0 ? { id: r.id, success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record', fields: [] }] } : { id: r.id, success: true, errors: [] },
        );
      })
      .patch(`${V}/composite/sobjects`)
      .reply(200, (_uri, body) => {
        bodies.push(body as Body);
        return (body as Body).records.map((r) => ({ id: r.id, success: true, errors: [] }));
      });
    const long = 'Requested a demo yesterday. '.repeat(20);
    const results = await new SalesforceSink(session, { retryDelayMs: 1 }).writeFieldUpdates([
      update(leadId(1), { Leadscore_Score__c: 80, Leadscore_Reasons__c: long, Leadscore_Fit__c: 60, Leadscore_Scored_At__c: new Date('2026-11-22T10:00:00Z') }),
      update('0035e00000ZZZZZAA1', { Leadscore_Score__c: 12 }),
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(bodies[0]!.records[1]!.attributes.type).toBe('Contact');
    expect(bodies[1]!.records.map((r) => r.id)).toEqual([leadId(1)]);
    const sent = bodies[0]!.records[0]!;
    expect(sent).not.toHaveProperty('Leadscore_Fit__c');
    expect(sent.Leadscore_Scored_At__c).toBe('2026-11-22T10:00:00.000Z');
    expect((sent.Leadscore_Reasons__c as string).length).toBe(255);
    expect(results[0]!.warnings).toEqual([
      expect.stringMatching(/Lead\.Leadscore_Reasons__c: 560 characters cut to the field's 255/),
      expect.stringMatching(/Lead\.Leadscore_Fit__c does not exist in this org/),
    ]);
  });

  it('gives up on a record still locked after the retries, with a retryable error', async () => {
    nock(INSTANCE).get(`${V}/sobjects/Lead/describe`).reply(200, describe_('Lead'));
    nock(INSTANCE)
      .patch(`${V}/composite/sobjects`)
      .times(3)
      .reply(200, (_uri, body) => (body as Body).records.map((r) => ({ id: r.id, success: false, errors: [{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record' }] })));
    const [result] = await new SalesforceSink(session, { lockRetries: 2, retryDelayMs: 1 }).writeFieldUpdates([update(leadId(3))]);
    expect(result).toMatchObject({ ok: false, error: { code: 'UNABLE_TO_LOCK_ROW', retryable: true } });
  });
});

describe('API allowance', () => {
  it("stops before taking more than its share of the org's daily API calls, and names REQUEST_LIMIT_EXCEEDED", async () => {
    const limited = testSession({ maxApiShare: 0.8 });
    nock(INSTANCE).get(`${V}/sobjects/Lead/describe`).reply(200, describe_('Lead'), { 'Sforce-Limit-Info': 'api-usage=4100/5000' });
    await limited.get('/sobjects/Lead/describe');
    // No second answer is mocked: the call must not be sent at all.
    await expect(limited.get('/sobjects/Contact/describe')).rejects.toMatchObject({ code: 'CRM_LIMIT_REACHED', message: expect.stringMatching(/4100 of its 5000/) });

    const fresh = testSession();
    nock(INSTANCE).get(`${V}/sobjects/Lead/describe`).reply(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    await expect(fresh.get('/sobjects/Lead/describe')).rejects.toMatchObject({ code: 'CRM_LIMIT_REACHED' });
  });
});
