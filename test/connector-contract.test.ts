import nock from 'nock';
import { afterAll, afterEach, beforeAll } from 'vitest';
import '../connectors/index.js';
import { API, batchUpdated, contact, leadscoreProperties, testApi } from './helpers/hubspot.js';
import { connectorContract } from './helpers/connector-contract.js';
import { INSTANCE, leadRecord, testSession, V } from './helpers/salesforce.js';

/** The connector contract, run for each CRM against its documented answers (nock). */
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

connectorContract({
  kind: 'salesforce',
  options: () => ({ session: testSession() }),
  badOptions: { session: 'not a session' },
  ids: (n) => Array.from({ length: n }, (_, i) => `00Q5e0000${String(i).padStart(6, '0')}EA1`),
  update: (id) => ({ leadId: id, fields: { Leadscore_Score__c: 71 }, scoreVersion: 1 }),
  serveWrites(refuse) {
    const batches: number[] = [];
    nock(INSTANCE).get(`${V}/sobjects/Lead/describe`).reply(200, { name: 'Lead', fields: [{ name: 'Id', type: 'id', length: 18, updateable: false }, { name: 'Leadscore_Score__c', type: 'double', length: 0, updateable: true }] });
    nock(INSTANCE)
      .persist()
      .patch(`${V}/composite/sobjects`)
      .reply(200, (_uri, body) => {
        const records = (body as { records: Array<{ id: string }> }).records;
        batches.push(records.length);
        return records.map((r) => (refuse.has(r.id) ? { id: r.id, success: false, errors: [{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Score is locked', fields: [] }] } : { id: r.id, success: true, errors: [] }));
      });
    return { batches };
  },
  serveLeads(ids) {
    nock(INSTANCE)
      .get(`${V}/query`)
      .query((q) => /^SELECT COUNT\(\) FROM Lead$/.test(String(q.q)))
      .reply(200, { totalSize: ids.length, done: true, records: [] })
      .get(`${V}/query`)
      .query(true)
      .reply(200, { totalSize: ids.length, done: true, records: ids.map((id) => leadRecord(id)) });
  },
});

connectorContract({
  kind: 'hubspot',
  options: () => ({ api: testApi() }),
  badOptions: { api: { request: 'not a session' } },
  ids: (n) => Array.from({ length: n }, (_, i) => String(5000 + i)),
  update: (id) => ({ leadId: id, fields: { leadscore_score: 71 }, scoreVersion: 1 }),
  serveWrites(refuse) {
    const batches: number[] = [];
    nock(API).get('/crm/v3/properties/contacts').query(true).reply(200, { results: leadscoreProperties() });
    nock(API)
      .persist()
      .post('/crm/v3/objects/contacts/batch/update')
      .reply((_uri, body) => {
        const inputs = (body as { inputs: Array<{ id: string; properties: Record<string, string> }> }).inputs;
        batches.push(inputs.length);
        const missing = inputs.filter((i) => refuse.has(i.id)).map((i) => i.id);
        if (missing.length === 0) return [200, batchUpdated(inputs)];
        return [207, { ...batchUpdated(inputs.filter((i) => !refuse.has(i.id))), numErrors: 1, errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some CONTACT objects, they may be deleted or not exist.', context: { ids: missing } }] }];
      });
    return { batches };
  },
  serveLeads(ids) {
    nock(API).get('/crm/v3/objects/contacts').query(true).reply(200, { results: ids.map((id) => contact(id)) });
  },
});
