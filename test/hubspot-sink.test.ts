import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HubSpotSink } from '../connectors/hubspot/index.js';
import type { FieldUpdate } from '../src/domain/index.js';
import { API, batchUpdated, leadscoreProperties, testApi, tierOption } from './helpers/hubspot.js';

/** Bodies shaped like HubSpot's batch update (200 COMPLETE, 207 with errors, 400 VALIDATION_ERROR) and property list answers. */
type Body = { inputs: Array<{ id: string; properties: Record<string, string> }> };
const scoredAt = new Date('2026-11-22T11:59:00.000Z');
const update = (id: string, fields: FieldUpdate['fields'] = {}): FieldUpdate => ({
  leadId: id,
  fields: { leadscore_score: 71, leadscore_tier: 'Hot', leadscore_reasons: 'VP at a 800-person manufacturer; visited pricing twice', leadscore_scored_at: scoredAt, leadscore_next_action: null, ...fields },
  scoreVersion: 1,
});
const ids = (n: number, from = 1000) => Array.from({ length: n }, (_, i) => String(from + i));

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe('HubSpotSink', () => {
  it('writes 100 contacts a call, as text values, and reports each contact on its own (207: missing ones fail alone)', async () => {
    const sizes: number[] = [];
    let first: Body | null = null;
    nock(API).get('/crm/v3/properties/contacts').query({ archived: 'false' }).reply(200, { results: leadscoreProperties() });
    nock(API)
      .post('/crm/v3/objects/contacts/batch/update')
      .times(3)
      .reply((_uri, body) => {
        const b = body as Body;
        first ??= b;
        sizes.push(b.inputs.length);
        if (!b.inputs.some((i) => i.id === '1042')) return [200, batchUpdated(b.inputs)];
        return [207, {
          ...batchUpdated(b.inputs.filter((i) => i.id !== '1042')),
          numErrors: 1,
          errors: [{ status: 'error', category: 'OBJECT_NOT_FOUND', message: 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.', context: { ids: ['1042'] } }],
        }];
      });
    const sink = new HubSpotSink(testApi());
    const results = await sink.writeFieldUpdates(ids(250).map((id) => update(id)));
    expect(sizes).toEqual([100, 100, 50]);
    expect(first!.inputs[0]).toEqual({
      id: '1000',
      properties: { leadscore_score: '71', leadscore_tier: 'Hot', leadscore_reasons: 'VP at a 800-person manufacturer; visited pricing twice', leadscore_scored_at: '2026-11-22T11:59:00.000Z', leadscore_next_action: '' },
    });
    expect(results.filter((r) => r.ok)).toHaveLength(249);
    expect(results[42]).toEqual({ leadId: '1042', ok: false, error: { code: 'OBJECT_NOT_FOUND', retryable: false, message: expect.stringMatching(/^contact 1042: Could not get some CONTACT objects/) } });
    expect(sink.calls).toBe(3);
  });

  it('leaves out properties the portal lacks, deleted enumeration options and read-only properties, saying so', async () => {
    const properties = leadscoreProperties()
      .filter((p) => p.name !== 'leadscore_fit')
      .map((p) => (p.name === 'leadscore_tier' ? { ...p, options: [tierOption('Warm', 0), tierOption('Nurture', 1)] } : p.name === 'leadscore_grade' ? { ...p, modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: true } } : p));
    let sent: Body | null = null;
    nock(API).get('/crm/v3/properties/contacts').query(true).reply(200, { results: properties });
    nock(API).post('/crm/v3/objects/contacts/batch/update', (b) => ((sent = b), true)).reply(200, (_u, b) => batchUpdated((b as Body).inputs));
    const [result] = await new HubSpotSink(testApi()).writeFieldUpdates([update('1000', { leadscore_fit: 64, leadscore_grade: 'A2' })]);
    expect(sent!.inputs[0]!.properties).toEqual({ leadscore_score: '71', leadscore_reasons: expect.any(String), leadscore_scored_at: '2026-11-22T11:59:00.000Z', leadscore_next_action: '' });
    expect(result).toEqual({
      leadId: '1000',
      ok: true,
      warnings: [
        'leadscore_tier: "Hot" is not an option of the property in this portal (options: Warm, Nurture); left out, connect again to restore the options',
        'the contact property leadscore_fit does not exist in this portal; left out',
        'the contact property leadscore_grade is read-only in this portal; left out',
      ],
    });
  });

  it('splits a batch HubSpot refuses as a whole until the one bad owner is found; the others are written', async () => {
    const calls: number[] = [];
    nock(API)
      .post('/crm/v3/objects/contacts/batch/update')
      .times(15) // the bisection's calls, checked below
      .reply((_uri, body) => {
        const b = body as Body;
        calls.push(b.inputs.length);
        if (b.inputs.some((i) => i.properties.hubspot_owner_id === '999')) {
          return [400, { status: 'error', message: 'Property values were not valid: [{"isValid":false,"message":"999 is not a valid owner id","error":"INVALID_OWNER_ID","name":"hubspot_owner_id"}]', correlationId: 'a1b2c3', category: 'VALIDATION_ERROR' }];
        }
        return [200, batchUpdated(b.inputs)];
      });
    const changes = ids(100).map((id) => ({ leadId: id, ownerId: id === '1077' ? '999' : '71829304', rule: 'territory:EMEA' }));
    const results = await new HubSpotSink(testApi()).changeOwners(changes);
    expect(results.filter((r) => !r.ok)).toEqual([{ leadId: '1077', ok: false, error: { code: 'VALIDATION_ERROR', retryable: false, message: expect.stringMatching(/^contact 1077: Property values were not valid.*INVALID_OWNER_ID/) } }]);
    expect(calls[0]).toBe(100);
    // Halves, depth first, down to the one contact: 15 calls instead of 100 single updates.
    expect(calls).toEqual([100, 50, 50, 25, 25, 13, 7, 4, 2, 2, 1, 1, 3, 6, 12]);
  });

  it('leaves the rest for the next run when the rate limit holds after the retries, and stops on a revoked token', async () => {
    nock(API).get('/crm/v3/properties/contacts').query(true).reply(200, { results: leadscoreProperties() });
    nock(API)
      .post('/crm/v3/objects/contacts/batch/update')
      .reply(200, (_u, b) => batchUpdated((b as Body).inputs))
      .post('/crm/v3/objects/contacts/batch/update')
      .times(3)
      .reply(429, { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: 'r1', policyName: 'TEN_SECONDLY_ROLLING' }, { 'Retry-After': '10' });
    const results = await new HubSpotSink(testApi(undefined, { maxRetries: 2 })).writeFieldUpdates(ids(300).map((id) => update(id)));
    expect(results.filter((r) => r.ok)).toHaveLength(100);
    expect(results.slice(100).every((r) => !r.ok && r.error?.retryable && r.error.code === 'CRM_LIMIT_REACHED')).toBe(true);

    nock(API).get('/crm/v3/properties/contacts').query(true).reply(200, { results: leadscoreProperties() });
    nock(API).post('/crm/v3/objects/contacts/batch/update').reply(401, { status: 'error', message: 'Authentication credentials not found.', correlationId: 'u1', category: 'INVALID_AUTHENTICATION' });
    await expect(new HubSpotSink(testApi()).writeFieldUpdates([update('1000')])).rejects.toMatchObject({ code: 'CRM_AUTH_REVOKED' });
  });
});
