import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HubSpotSink } from '../connectors/hubspot/index.js';
import { SalesforceSink, TASK_KEY_FIELD } from '../connectors/salesforce/index.js';
import type { TaskToCreate } from '../src/domain/index.js';
import { API, testApi } from './helpers/hubspot.js';
import { INSTANCE, testSession, V } from './helpers/salesforce.js';

/**
 * Follow-up tasks: Salesforce sObject Collections upsert on an external id
 * (PATCH /composite/sobjects/Task/<field>), HubSpot's task batch create and search, bodies as documented.
 */
const due = new Date('2026-11-25T15:00:00.000Z');
const task = (leadId: string, over: Partial<TaskToCreate> = {}): TaskToCreate => ({
  leadId,
  ownerId: '0055e000001AbcD',
  subject: `Call within 1 hour: Lead ${leadId}`,
  description: 'Tier Hot, score 85.\n+ Asked for a demo 2 days ago',
  dueAt: due,
  priority: 'high',
  rule: 'Hot US',
  key: `${leadId}@1764079200000`,
  assignedAt: new Date('2026-11-25T14:00:00.000Z'),
  triedBefore: false,
  ...over,
});

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe('Salesforce follow-up tasks', () => {
  const taskDescribe = (withKey: boolean) => ({
    name: 'Task',
    fields: [
      { name: 'Id', type: 'id', length: 18, updateable: false },
      { name: 'Subject', type: 'combobox', length: 255, updateable: true },
      ...(withKey ? [{ name: TASK_KEY_FIELD, type: 'string', length: 80, updateable: true, externalId: true }] : []),
    ],
  });

  it('upserts tasks by their key, 200 a call, so a repeat updates the task made before', async () => {
    const bodies: Array<{ allOrNone: boolean; records: Array<Record<string, unknown>> }> = [];
    nock(INSTANCE).get(`${V}/sobjects/Task/describe`).reply(200, taskDescribe(true));
    nock(INSTANCE)
      .patch(`${V}/composite/sobjects/Task/${TASK_KEY_FIELD}`)
      .times(2)
      .reply(200, (_uri, body) => {
        const b = body as (typeof bodies)[number];
        bodies.push(b);
        return b.records.map((r, i) =>
          r.WhoId === '00Q000000000207'
            ? { id: null, success: false, errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: ['OwnerId'] }] }
            : { id: `00T00000000${String(i).padStart(4, '0')}`, success: true, errors: [], created: true },
        );
      });
    const tasks = Array.from({ length: 250 }, (_, i) => task(`00Q000000000${String(i).padStart(3, '0')}`));
    const results = await new SalesforceSink(testSession()).createTasks(tasks);
    expect(bodies.map((b) => b.records.length)).toEqual([200, 50]);
    expect(bodies[0]!.allOrNone).toBe(false);
    expect(bodies[0]!.records[0]).toEqual({
      attributes: { type: 'Task' },
      [TASK_KEY_FIELD]: '00Q000000000000@1764079200000',
      WhoId: '00Q000000000000',
      OwnerId: '0055e000001AbcD',
      Subject: 'Call within 1 hour: Lead 00Q000000000000',
      Description: 'Tier Hot, score 85.\n+ Asked for a demo 2 days ago',
      Priority: 'High',
      Status: 'Not Started',
      ActivityDate: '2026-11-25',
      IsReminderSet: true,
      ReminderDateTime: '2026-11-25T15:00:00.000Z',
    });
    expect(results.filter((r) => r.ok)).toHaveLength(249);
    expect(results[0]).toEqual({ leadId: '00Q000000000000', ok: true, taskId: '00T000000000000' });
    expect(results[207]).toMatchObject({ ok: false, error: { code: 'INVALID_CROSS_REFERENCE_KEY', retryable: false } });
  });

  it('says the key field is missing instead of creating tasks it could not find again', async () => {
    nock(INSTANCE).get(`${V}/sobjects/Task/describe`).reply(200, taskDescribe(false));
    const [result] = await new SalesforceSink(testSession()).createTasks([task('00Q000000000001')]);
    expect(result).toMatchObject({ ok: false, error: { code: 'FIELD_MISSING', retryable: false, message: expect.stringContaining(`Task.${TASK_KEY_FIELD} does not exist`) } });
  });
});

describe('HubSpot follow-up tasks', () => {
  type CreateBody = { inputs: Array<{ properties: Record<string, string>; associations: unknown[] }> };
  const created = (inputs: CreateBody['inputs'], from = 9000) => ({
    status: 'COMPLETE',
    // HubSpot does not promise the order of the answer.
    results: inputs
      .map((input, i) => ({ id: String(from + i), properties: { ...input.properties, hs_timestamp: input.properties.hs_timestamp!.replace('.000Z', 'Z') }, createdAt: '2026-11-25T14:00:01.000Z', updatedAt: '2026-11-25T14:00:01.000Z', archived: false }))
      .reverse(),
    startedAt: '2026-11-25T14:00:00.900Z',
    completedAt: '2026-11-25T14:00:01.100Z',
  });

  it('creates tasks 100 a call associated to each contact, matching the answer by subject, owner and time', async () => {
    const bodies: CreateBody[] = [];
    nock(API)
      .post('/crm/v3/objects/tasks/batch/create')
      .times(2)
      .reply(201, (_uri, body) => {
        bodies.push(body as CreateBody);
        return created((body as CreateBody).inputs, 9000 + bodies.length * 1000);
      });
    const tasks = Array.from({ length: 150 }, (_, i) => task(String(501 + i), { ownerId: String(70 + (i % 3)) }));
    const results = await new HubSpotSink(testApi()).createTasks(tasks);
    expect(bodies.map((b) => b.inputs.length)).toEqual([100, 50]);
    expect(bodies[0]!.inputs[0]).toEqual({
      properties: {
        hs_timestamp: '2026-11-25T15:00:00.000Z',
        hs_task_subject: 'Call within 1 hour: Lead 501',
        hs_task_body: 'Tier Hot, score 85.\n+ Asked for a demo 2 days ago',
        hubspot_owner_id: '70',
        hs_task_status: 'NOT_STARTED',
        hs_task_priority: 'HIGH',
        hs_task_type: 'CALL',
      },
      associations: [{ to: { id: '501' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 204 }] }],
    });
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results[0]).toEqual({ leadId: '501', ok: true, taskId: '10000' });
    expect(results[1]).toEqual({ leadId: '502', ok: true, taskId: '10001' });
    expect(results[149]).toEqual({ leadId: '650', ok: true, taskId: '11049' });
  });

  it('looks a task tried before up first and creates only the ones HubSpot does not have', async () => {
    const searched: unknown[] = [];
    nock(API)
      .post('/crm/v3/objects/tasks/search')
      .times(2)
      .reply(200, (_uri, body) => {
        searched.push(body);
        const subject = (body as { filterGroups: Array<{ filters: Array<{ value: string }> }> }).filterGroups[0]!.filters[0]!.value;
        return subject.endsWith('Lead 601') ? { total: 1, results: [{ id: '8800', properties: { hs_task_subject: subject }, archived: false }] } : { total: 0, results: [] };
      });
    let createdInputs: CreateBody['inputs'] = [];
    nock(API)
      .post('/crm/v3/objects/tasks/batch/create')
      .reply(201, (_uri, body) => {
        createdInputs = (body as CreateBody).inputs;
        return created(createdInputs);
      });
    const results = await new HubSpotSink(testApi()).createTasks([task('601', { triedBefore: true }), task('602', { triedBefore: true }), task('603')]);
    expect(searched[0]).toEqual({
      filterGroups: [
        {
          filters: [
            { propertyName: 'hs_task_subject', operator: 'EQ', value: 'Call within 1 hour: Lead 601' },
            { propertyName: 'hubspot_owner_id', operator: 'EQ', value: '0055e000001AbcD' },
            { propertyName: 'hs_timestamp', operator: 'EQ', value: String(due.getTime()) },
          ],
        },
      ],
      properties: ['hs_task_subject'],
      limit: 1,
    });
    expect(createdInputs.map((i) => i.properties.hs_task_subject)).toEqual(['Call within 1 hour: Lead 602', 'Call within 1 hour: Lead 603']);
    expect(results).toEqual([
      { leadId: '601', ok: true, taskId: '8800' },
      { leadId: '602', ok: true, taskId: '9000' },
      { leadId: '603', ok: true, taskId: '9001' },
    ]);
  });

  it('splits a batch HubSpot refuses as a whole until the task at fault fails alone', async () => {
    nock(API)
      .post('/crm/v3/objects/tasks/batch/create')
      .times(3)
      .reply((_uri, body) => {
        const inputs = (body as CreateBody).inputs;
        if (inputs.some((i) => i.properties.hubspot_owner_id === 'gone')) {
          return [400, { status: 'error', message: 'Property values were not valid: [{"isValid":false,"message":"gone is not a valid owner id","error":"INVALID_OWNER_ID","name":"hubspot_owner_id"}]', correlationId: 'c0ffee00-0000-4000-8000-000000000001', category: 'VALIDATION_ERROR' }];
        }
        return [201, created(inputs)];
      });
    const results = await new HubSpotSink(testApi()).createTasks([task('701'), task('702', { ownerId: 'gone' })]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(results[1]).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR', retryable: false, message: expect.stringContaining('not a valid owner id') } });
  });
});
