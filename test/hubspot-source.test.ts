import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { employeeCount, HubSpotSource, outcomeFor, toLead } from '../connectors/hubspot/index.js';
import type { Activity, Outcome, ReadBatch } from '../src/domain/index.js';
import { DEFAULT_SETTINGS, SettingsSchema } from '../src/settings/index.js';
import { API, contact, testApi } from './helpers/hubspot.js';

/**
 * Bodies shaped like HubSpot's CRM v3 list, search and batch read answers, v4 association batch
 * reads and the email events API.
 */
const NOW = new Date('2026-11-22T12:00:00.000Z');
const source = (options: ConstructorParameters<typeof HubSpotSource>[1] = {}) => new HubSpotSource(testApi(), { now: () => NOW, ...options });
const searchAnswer = (results: unknown[]) => ({ total: results.length, results });
const engagement = (id: string, properties: Record<string, string | null>) => ({ id, properties: { hs_object_id: id, ...properties }, createdAt: '2026-11-18T08:00:00.000Z', updatedAt: properties.hs_lastmodifieddate, archived: false });
const associations = (pairs: Record<string, string[]>) => ({
  status: 'COMPLETE',
  results: Object.entries(pairs).map(([from, to]) => ({ from: { id: from }, to: to.map((t) => ({ toObjectId: Number(t), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 194, label: null }] })) })),
  startedAt: '2026-11-22T12:00:00.100Z',
  completedAt: '2026-11-22T12:00:00.200Z',
});
const batchRead = (results: unknown[]) => ({ status: 'COMPLETE', results, startedAt: '2026-11-22T12:00:00.100Z', completedAt: '2026-11-22T12:00:00.200Z' });

async function collect<T>(stream: AsyncIterable<ReadBatch<T>>) {
  const batches: ReadBatch<T>[] = [];
  for await (const b of stream) batches.push(b);
  return { batches, records: batches.flatMap((b) => b.records.map((r) => r.value)), rejections: batches.flatMap((b) => b.rejections), cursor: batches.at(-1)?.cursor ?? null };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe('HubSpot contacts as leads', () => {
  it('maps contact properties onto the lead, keeping routing properties as attributes', () => {
    expect(toLead(contact('501', { email: null, numemployees: '25-50' }))).toMatchObject({
      id: '501',
      createdAt: new Date('2026-10-01T09:00:00.000Z'),
      email: null,
      title: 'VP Operations',
      employees: 35,
      annualRevenue: 120000000,
      leadSource: 'ORGANIC_SEARCH',
      attributes: { lifecyclestage: 'lead', hubspot_owner_id: '71829304' },
    });
    expect([employeeCount('1000+'), employeeCount('5,000'), employeeCount('lots')]).toEqual([2000, 5000, null]);
    expect(toLead(contact('502', { createdate: null }))).toEqual({ file: 'contact/502', line: 0, column: 'createdate', reason: 'the contact has no readable createdate' });
  });

  it('backfills by list paging (after), then reads changes by search from the cursor less the overlap', async () => {
    const listQuery = (q: Record<string, string>) => q.limit === '100' && q.archived === 'false' && q.properties!.split(',').includes('lastmodifieddate');
    nock(API)
      .get('/crm/v3/objects/contacts')
      .query((q) => listQuery(q as Record<string, string>) && q.after === undefined)
      .reply(200, { results: [contact('101'), contact('102', { createdate: 'not a date' })], paging: { next: { after: '103', link: 'https://api.hubapi.com/crm/v3/objects/contacts?after=103' } } })
      .get('/crm/v3/objects/contacts')
      .query((q) => listQuery(q as Record<string, string>) && q.after === '103')
      .reply(200, { results: [contact('103')] });
    const first = await collect(source().readLeads(null));
    expect(first.records.map((l) => l.id)).toEqual(['101', '103']);
    expect(first.rejections).toEqual([{ file: 'contact/102', line: 0, column: 'createdate', reason: 'the contact has no readable createdate' }]);
    expect(JSON.parse(first.batches[0]!.cursor!)).toEqual({ after: '103', startedAt: NOW.toISOString() });
    expect(JSON.parse(first.cursor!)).toEqual({ since: NOW.toISOString() });

    // A backfill that stopped after its first page resumes at the page it had reached.
    nock(API).get('/crm/v3/objects/contacts').query((q) => q.after === '103').reply(200, { results: [contact('103')] });
    expect((await collect(source().readLeads(first.batches[0]!.cursor))).records.map((l) => l.id)).toEqual(['103']);

    let body: { filterGroups: Array<{ filters: unknown[] }>; sorts: unknown[] } | null = null;
    nock(API)
      .post('/crm/v3/objects/contacts/search', (b) => ((body = b), true))
      .reply(200, searchAnswer([contact('103', { lastmodifieddate: '2026-11-22T12:30:00.000Z', jobtitle: 'COO' })]));
    const next = await collect(source().readLeads(first.cursor));
    expect(next.records).toMatchObject([{ id: '103', title: 'COO' }]);
    expect(body!.filterGroups[0]!.filters).toEqual([
      { propertyName: 'lastmodifieddate', operator: 'GTE', value: String(NOW.getTime() - 300_000) },
      { propertyName: 'lastmodifieddate', operator: 'LTE', value: String(NOW.getTime()) },
    ]);
    expect(body!.sorts).toEqual([{ propertyName: 'lastmodifieddate', direction: 'ASCENDING' }]);
    expect(JSON.parse(next.cursor!)).toEqual({ since: '2026-11-22T12:30:00.000Z' });
  });
});

describe('HubSpot activities', () => {
  it('reads engagements through their contact associations, form submissions from property history and marketing email events, typed by the mapping', async () => {
    nock(API)
      .post('/crm/v3/objects/emails/search')
      .reply(403, { status: 'error', message: "This app hasn't been granted all required scopes to make this call.", correlationId: 'f1', errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: ['sales-email-read'] } }], category: 'MISSING_SCOPES' })
      .post('/crm/v3/objects/calls/search')
      .reply(200, searchAnswer([
        engagement('9001', { hs_timestamp: '2026-11-18T09:30:00.000Z', hs_lastmodifieddate: '2026-11-18T09:31:00.000Z', hs_call_direction: 'OUTBOUND', hs_call_title: 'Discovery call' }),
        engagement('9002', { hs_timestamp: '2026-11-19T10:00:00.000Z', hs_lastmodifieddate: '2026-11-19T10:01:00.000Z', hs_call_direction: 'INBOUND', hs_call_title: null }),
      ]))
      .post('/crm/v4/associations/calls/contacts/batch/read', { inputs: [{ id: '9001' }] }) // the inbound call is not mapped
      .reply(200, associations({ '9001': ['101', '102'] }))
      .post('/crm/v3/objects/meetings/search')
      .reply(200, searchAnswer([]))
      .post('/crm/v3/objects/contacts/search', (b) => b.sorts[0].propertyName === 'recent_conversion_date')
      .reply(200, searchAnswer([contact('101', { recent_conversion_date: '2026-11-20T15:00:00.000Z' })]))
      .post('/crm/v3/objects/contacts/batch/read', (b) => b.propertiesWithHistory?.[0] === 'recent_conversion_event_name' && b.inputs.length === 1)
      .reply(200, batchRead([{
        id: '101',
        properties: { recent_conversion_event_name: 'Request a demo', hs_object_id: '101' },
        propertiesWithHistory: {
          recent_conversion_event_name: [
            { value: 'Request a demo', timestamp: '2026-11-20T15:00:00.000Z', sourceType: 'FORM', sourceId: '3e0d4f6a-7b1c-4a2d-9e8f-5c6b7a8d9e0f', sourceLabel: null, updatedByUserId: null },
            { value: 'Newsletter signup', timestamp: '2026-10-03T08:00:00.000Z', sourceType: 'FORM', sourceId: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d', sourceLabel: null, updatedByUserId: null },
          ],
        },
        createdAt: '2026-10-01T09:00:00.000Z',
        updatedAt: '2026-11-20T15:00:00.000Z',
        archived: false,
      }]))
      .get('/email/public/v1/events')
      .query((q) => q.eventType === 'CLICK' && q.endTimestamp === String(NOW.getTime()) && q.limit === '1000')
      .reply(200, { hasMore: false, offset: 'eyJ0IjoxfQ', events: [{ appId: 113, appName: 'Batch', created: 1763740800000, emailCampaignId: 98765432, id: '3b6c1f2e-1111-4d2a-9c3b-aaaaaaaaaaaa', portalId: 24108351, recipient: 'DANA.LEE+103@globex.com', type: 'CLICK', url: 'https://acme.com/pricing', sentBy: { id: 'a1b2', created: 1763740000000 } }] })
      .post('/crm/v3/objects/contacts/batch/read', { idProperty: 'email', properties: ['email'], inputs: [{ id: 'dana.lee+103@globex.com' }] })
      .reply(200, batchRead([{ id: '103', properties: { email: 'dana.lee+103@globex.com', hs_object_id: '103' }, createdAt: '2026-10-01T09:00:00.000Z', updatedAt: '2026-11-20T10:00:00.000Z', archived: false }]));
    const read = await collect(source({ activityTypes: { 'email:*': 'email_sent', 'call:OUTBOUND': 'call', 'meeting:*': 'meeting', 'form:Request a demo': 'demo_request', 'marketing_email:CLICK': 'email_click' } }).readActivities(null));
    const brief = (a: Activity) => [a.leadId, a.type, a.occurredAt.toISOString(), a.channel, a.detail];
    expect(read.records.map(brief)).toEqual([
      ['101', 'call', '2026-11-18T09:30:00.000Z', 'hubspot_call', 'Discovery call'],
      ['102', 'call', '2026-11-18T09:30:00.000Z', 'hubspot_call', 'Discovery call'],
      ['101', 'demo_request', '2026-11-20T15:00:00.000Z', 'hubspot_form', 'Request a demo'],
      ['103', 'email_click', '2025-11-21T16:00:00.000Z', 'hubspot_marketing_email', 'https://acme.com/pricing'],
    ]);
    expect(read.rejections).toEqual([{ file: 'emails', line: 0, column: null, reason: expect.stringMatching(/^not read: .*sales-email-read/) }]);
    expect(JSON.parse(read.cursor!)).toEqual({ calls: '2026-11-19T10:01:00.000Z', forms: '2026-11-20T15:00:00.000Z', marketing_email_CLICK: NOW.toISOString() });
  });
});

describe('HubSpot association paging', () => {
  it('follows paging.next.after per record, so a call with 1,200 associated contacts loses none, asking again only for the records with more', async () => {
    const page = (from: string, first: number, count: number, after: string | null) => ({
      from: { id: from },
      to: Array.from({ length: count }, (_, i) => ({ toObjectId: 20_000 + first + i, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 194, label: null }] })),
      ...(after ? { paging: { next: { after, link: null } } } : {}),
    });
    const answer = (results: unknown[]) => ({ status: 'COMPLETE', results, startedAt: '2026-11-22T12:00:00.100Z', completedAt: '2026-11-22T12:00:00.200Z' });
    const bodies: unknown[] = [];
    nock(API)
      .post('/crm/v3/objects/calls/search')
      .reply(200, searchAnswer([
        engagement('9001', { hs_timestamp: '2026-11-18T09:30:00.000Z', hs_lastmodifieddate: '2026-11-18T09:31:00.000Z', hs_call_direction: 'OUTBOUND', hs_call_title: 'Webinar dial-out' }),
        engagement('9002', { hs_timestamp: '2026-11-19T09:30:00.000Z', hs_lastmodifieddate: '2026-11-19T09:31:00.000Z', hs_call_direction: 'OUTBOUND', hs_call_title: 'Follow-up' }),
      ]))
      .post('/crm/v4/associations/calls/contacts/batch/read', (b) => (bodies.push(b), true))
      .reply(200, answer([page('9001', 0, 500, 'MjAwNTAw'), page('9002', 5000, 1, null)]))
      .post('/crm/v4/associations/calls/contacts/batch/read', (b) => (bodies.push(b), true))
      .reply(200, answer([page('9001', 500, 500, 'MjAxMDAw')]))
      .post('/crm/v4/associations/calls/contacts/batch/read', (b) => (bodies.push(b), true))
      .reply(200, answer([page('9001', 1000, 200, null)]));
    const read = await collect(source({ activityTypes: { 'call:*': 'call' } }).readActivities(null));
    expect(bodies).toEqual([{ inputs: [{ id: '9001' }, { id: '9002' }] }, { inputs: [{ id: '9001', after: 'MjAwNTAw' }] }, { inputs: [{ id: '9001', after: 'MjAxMDAw' }] }]);
    const byCall = (detail: string) => new Set(read.records.filter((a) => a.detail === detail).map((a) => a.leadId));
    expect(byCall('Webinar dial-out').size).toBe(1200);
    expect(byCall('Webinar dial-out').has('21199')).toBe(true);
    expect([...byCall('Follow-up')]).toEqual(['25000']);
  });
});

describe('HubSpot page views', () => {
  const view = (id: string, contactId: string, url: string, occurredAt: string) => ({
    objectType: 'CONTACT',
    objectId: contactId,
    eventType: 'e_visited_page',
    occurredAt,
    id,
    properties: { hs_url: url, hs_title: 'Acme', hs_referrer: 'https://www.google.com/', hs_session_id: 's-1' },
  });

  it('reads e_visited_page events of contacts page by page, typed by the longest mapped path prefix, and moves the position once the range is read', async () => {
    const queries: Array<Record<string, string>> = [];
    nock(API)
      .get('/events/v3/events')
      .query((q) => (queries.push(q as Record<string, string>), q.after === undefined))
      .reply(200, { results: [view('e1', '101', 'https://acme.com/pricing/teams?ref=nav', '2026-11-20T10:00:00.000Z'), view('e2', '102', 'https://acme.com/blog/scoring', '2026-11-20T11:00:00.000Z')], paging: { next: { after: 'MTAw', link: 'https://api.hubapi.com/events/v3/events?after=MTAw' } } })
      .get('/events/v3/events')
      .query((q) => (queries.push(q as Record<string, string>), q.after === 'MTAw'))
      .reply(200, { results: [view('e3', '101', 'https://acme.com/pricing', '2026-11-21T09:00:00.000Z'), view('e4', '103', 'https://docs.acme.com/api', '2026-11-21T09:30:00.000Z')] });
    const mapping = { 'page_view:/pricing': 'pricing_page_view', 'page_view:/pricing/enterprise': 'demo_request', 'page_view:/blog': 'content_view' };
    const read = await collect(source({ activityTypes: mapping }).readActivities(null));
    expect(read.records.map((a) => [a.leadId, a.type, a.occurredAt.toISOString(), a.channel, a.detail])).toEqual([
      ['101', 'pricing_page_view', '2026-11-20T10:00:00.000Z', 'hubspot_web', 'https://acme.com/pricing/teams?ref=nav'],
      ['102', 'content_view', '2026-11-20T11:00:00.000Z', 'hubspot_web', 'https://acme.com/blog/scoring'],
      ['101', 'pricing_page_view', '2026-11-21T09:00:00.000Z', 'hubspot_web', 'https://acme.com/pricing'],
    ]);
    expect(queries[0]).toEqual({ objectType: 'contact', eventType: 'e_visited_page', occurredAfter: new Date(NOW.getTime() - 365 * 86_400_000).toISOString(), occurredBefore: NOW.toISOString(), limit: '100' });
    expect(read.batches.slice(0, -1).every((b) => JSON.parse(b.cursor!).page_views === undefined)).toBe(true);
    expect(JSON.parse(read.cursor!)).toEqual({ page_views: NOW.toISOString() });

    // The next read starts at the position less the overlap.
    nock(API).get('/events/v3/events').query((q) => q.occurredAfter === new Date(NOW.getTime() - 300_000).toISOString()).reply(200, { results: [] });
    await collect(source({ activityTypes: mapping }).readActivities(read.cursor));
  });

  it('skips the stream, named, when the portal has no web analytics access (403), and reads the others', async () => {
    nock(API)
      .get('/events/v3/events')
      .query(true)
      .reply(403, { status: 'error', message: "This app hasn't been granted all required scopes to make this call.", correlationId: 'c0a8f3e2-1b2c-4d3e-8f9a-0b1c2d3e4f5a', category: 'MISSING_SCOPES' })
      .post('/crm/v3/objects/notes/search')
      .reply(200, searchAnswer([]));
    const read = await collect(source({ activityTypes: { 'note:*': 'note', 'page_view:*': 'page_view' } }).readActivities(null));
    expect(read.records).toEqual([]);
    expect(read.rejections).toEqual([{ file: 'page_views', line: 0, column: null, reason: expect.stringMatching(/^not read: HubSpot refused the page view events .*403 MISSING_SCOPES/) }]);
  });
});

describe('HubSpot settings', () => {
  it('keeps the activity mapping and disqualified statuses editable, refusing keys that name no HubSpot record kind', () => {
    const edited = { ...DEFAULT_SETTINGS, hubspot: { disqualifiedStatuses: ['UNQUALIFIED', 'BAD_TIMING'], activityTypes: { ...DEFAULT_SETTINGS.hubspot.activityTypes, 'form:Request a demo': 'demo_request' } } };
    expect(SettingsSchema.safeParse(edited).success).toBe(true);
    const bad = SettingsSchema.safeParse({ ...DEFAULT_SETTINGS, hubspot: { ...DEFAULT_SETTINGS.hubspot, activityTypes: { 'deal:*': 'deal', 'call:*': 'Phone Call' } } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['hubspot.activityTypes.call:*', expect.stringMatching(/is not an activity type/)],
      ['hubspot.activityTypes.deal:*', expect.stringMatching(/is not "kind:subtype" with a kind of email, call, meeting, note, form, marketing_email or page_view/)],
    ]);
  });
});

describe('HubSpot outcomes', () => {
  const deal = (id: string, props: Record<string, string | null>) => ({ id, properties: { hs_object_id: id, dealname: `Deal ${id}`, amount: null, closedate: null, hs_is_closed: 'false', hs_is_closed_won: 'false', hs_lastmodifieddate: '2026-11-20T10:00:00.000Z', ...props }, createdAt: '2026-10-10T00:00:00.000Z', updatedAt: '2026-11-20T10:00:00.000Z', archived: false });
  const won = deal('7001', { amount: '12000', closedate: '2026-11-15T00:00:00.000Z', hs_is_closed: 'true', hs_is_closed_won: 'true' });
  const lost = deal('7002', { amount: '3000', closedate: '2026-11-12T00:00:00.000Z', hs_is_closed: 'true' });
  const open = deal('7003', { amount: '8000' });

  it('won: a closed-won deal or the customer stage, timed at the hand-off to sales, with the won amount', () => {
    const c = contact('101', { hs_lifecyclestage_opportunity_date: '2026-11-01T00:00:00.000Z', hs_lifecyclestage_customer_date: '2026-11-16T00:00:00.000Z' });
    expect(outcomeFor(c, [won, lost], ['UNQUALIFIED'])).toEqual({ leadId: '101', converted: true, outcomeAt: new Date('2026-11-01T00:00:00.000Z'), amount: 12000 });
    expect(outcomeFor(contact('102', { hs_lifecyclestage_customer_date: '2026-11-16T00:00:00.000Z' }), [], [])).toEqual({ leadId: '102', converted: true, outcomeAt: new Date('2026-11-16T00:00:00.000Z'), amount: null });
    expect(outcomeFor(contact('103'), [lost], [])).toEqual({ leadId: '103', converted: false, outcomeAt: new Date('2026-11-12T00:00:00.000Z'), amount: null });
    expect(outcomeFor(contact('104'), [lost, open], [])).toBeNull();
    expect(outcomeFor(contact('105', { hs_lead_status: 'UNQUALIFIED' }), [], ['UNQUALIFIED'])).toMatchObject({ converted: false, outcomeAt: new Date('2026-11-20T10:00:00.000Z') });
  });

  it('reads contacts whose lifecycle or lead status changed, and contacts on deals that closed, with all their deals', async () => {
    let contactSearch: { filterGroups: Array<{ filters: Array<{ propertyName: string; operator: string }> }> } | null = null;
    nock(API)
      .post('/crm/v3/objects/contacts/search', (b) => ((contactSearch = b), true))
      .reply(200, searchAnswer([contact('101', { hs_lifecyclestage_customer_date: '2026-11-16T00:00:00.000Z' })]))
      .post('/crm/v4/associations/contacts/deals/batch/read', { inputs: [{ id: '101' }] })
      .reply(200, associations({ '101': ['7001'] }))
      .post('/crm/v3/objects/deals/batch/read', (b) => b.inputs.length === 1 && b.properties.includes('hs_is_closed_won'))
      .reply(200, batchRead([won]))
      .post('/crm/v3/objects/deals/search', (b) => b.filterGroups[0].filters.some((f: { propertyName: string; value: string }) => f.propertyName === 'hs_is_closed' && f.value === 'true'))
      .reply(200, searchAnswer([lost]))
      .post('/crm/v4/associations/deals/contacts/batch/read', { inputs: [{ id: '7002' }] })
      .reply(200, associations({ '7002': ['102'] }))
      .post('/crm/v3/objects/contacts/batch/read', (b) => b.inputs[0].id === '102')
      .reply(200, batchRead([contact('102')]))
      .post('/crm/v4/associations/contacts/deals/batch/read', { inputs: [{ id: '102' }] })
      .reply(200, associations({ '102': ['7002'] }))
      .post('/crm/v3/objects/deals/batch/read')
      .reply(200, batchRead([lost]));
    const read = await collect(source().readOutcomes(null));
    expect(read.records).toEqual<Outcome[]>([
      { leadId: '101', converted: true, outcomeAt: new Date('2026-11-15T00:00:00.000Z'), amount: 12000 },
      { leadId: '102', converted: false, outcomeAt: new Date('2026-11-12T00:00:00.000Z'), amount: null },
    ]);
    expect(contactSearch!.filterGroups.map((g) => g.filters[2])).toEqual([
      { propertyName: 'hs_lifecyclestage_opportunity_date', operator: 'HAS_PROPERTY' },
      { propertyName: 'hs_lifecyclestage_customer_date', operator: 'HAS_PROPERTY' },
      { propertyName: 'hs_lead_status', operator: 'IN', values: ['UNQUALIFIED'] },
    ]);
    expect(JSON.parse(read.cursor!)).toEqual({ contacts: '2026-11-20T10:00:00.000Z', deals: '2026-11-20T10:00:00.000Z' });
  });
});
