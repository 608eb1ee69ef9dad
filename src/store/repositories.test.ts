import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/helpers/db.js';
import { tenantId, type Activity, type Lead } from '../domain/index.js';
import { insertActivities, listActivities } from './activities.js';
import type { Database } from './db.js';
import { findLeadCreationTimes, getLead, listLeads, upsertLeads } from './leads.js';
import { getOutcome, upsertOutcomes } from './outcomes.js';
import { ensureTenant } from './tenants.js';

const t = tenantId('acme');
let db: Database;
beforeEach(async () => {
  db = await openTestDatabase();
  await ensureTenant(db, t, 'Acme');
});
afterEach(async () => {
  await db.close();
});

const lead = (id: string, over: Partial<Lead> = {}): Lead => ({
  id,
  createdAt: new Date('2024-03-01T09:00:00Z'),
  email: `${id.toLowerCase()}@example.com`,
  firstName: 'Ana',
  lastName: "O'Brien",
  title: 'VP Sales',
  company: 'Acme, Inc.',
  industry: 'Software',
  employees: 120,
  annualRevenue: 12_500_000.5,
  country: 'US',
  leadSource: 'Web',
  attributes: { state: 'CA', note: 'quote " and \\ backslash' },
  ...over,
});

const activity = (leadId: string, minute: number, over: Partial<Activity> = {}): Activity => ({
  leadId,
  type: 'page_view',
  occurredAt: new Date(Date.UTC(2024, 2, 2, 10, minute)),
  channel: 'web',
  detail: '/pricing',
  ...over,
});

describe('upsertLeads', () => {
  it('inserts, then updates only what changed, and stores every field as given', async () => {
    expect(await upsertLeads(db, t, [lead('L1'), lead('L2')])).toEqual({ inserted: 2, updated: 0, unchanged: 0, changedLeadIds: ['L1', 'L2'] });
    expect(await getLead(db, t, 'L1')).toEqual(lead('L1'));

    const before = await db.query<{ updated_at: Date }>('SELECT updated_at FROM leads WHERE lead_id = $1', ['L2']);
    const counts = await upsertLeads(db, t, [lead('L1', { title: 'CRO', attributes: {} }), lead('L2'), lead('L3')]);
    expect({ ...counts, changedLeadIds: counts.changedLeadIds?.sort() }).toEqual({ inserted: 1, updated: 1, unchanged: 1, changedLeadIds: ['L1', 'L3'] });
    expect(await getLead(db, t, 'L1')).toMatchObject({ title: 'CRO', attributes: {} });
    const after = await db.query<{ updated_at: Date }>('SELECT updated_at FROM leads WHERE lead_id = $1', ['L2']);
    expect(after[0]!.updated_at).toEqual(before[0]!.updated_at);
  });

  it('takes the last of several rows for one id in a batch', async () => {
    expect(await upsertLeads(db, t, [lead('L1', { title: 'old' }), lead('L1', { title: 'new' })])).toEqual({
      inserted: 1,
      updated: 0,
      unchanged: 1,
      changedLeadIds: ['L1'],
    });
    expect((await getLead(db, t, 'L1'))?.title).toBe('new');
  });

  it('keeps blanks as nulls and pages through leads in id order', async () => {
    await upsertLeads(db, t, [
      lead('B', { email: null, employees: null }),
      lead('A'),
      lead('C'),
    ]);
    expect(await getLead(db, t, 'B')).toMatchObject({ email: null, employees: null });
    const first = await listLeads(db, t, { limit: 2 });
    const second = await listLeads(db, t, { limit: 2, after: first.at(-1)!.id });
    expect([...first, ...second].map((l) => l.id)).toEqual(['A', 'B', 'C']);
  });

  it('finds the creation time of known ids only', async () => {
    await upsertLeads(db, t, [lead('L1')]);
    const found = await findLeadCreationTimes(db, t, ['L1', 'nope', 'L1']);
    expect([...found.entries()]).toEqual([['L1', new Date('2024-03-01T09:00:00Z')]]);
  });
});

describe('insertActivities', () => {
  it('stores an activity delivered twice once, and keeps activities that differ in type, time or detail', async () => {
    await upsertLeads(db, t, [lead('L1')]);
    const first = await insertActivities(db, t, [activity('L1', 0), activity('L1', 0), activity('L1', 1)]);
    expect(first).toEqual({ inserted: 2, updated: 0, unchanged: 1, changedLeadIds: ['L1'] });
    expect((await insertActivities(db, t, [activity('L1', 0)])).changedLeadIds).toEqual([]);
    const second = await insertActivities(db, t, [
      activity('L1', 0),
      activity('L1', 0, { type: 'pricing_page_view' }),
      activity('L1', 0, { detail: null }),
      activity('L1', 0, { channel: 'email' }), // channel is not part of what makes an activity the same
    ]);
    expect(second).toEqual({ inserted: 2, updated: 0, unchanged: 2, changedLeadIds: ['L1'] });
    expect(await listActivities(db, t, 'L1')).toHaveLength(4);
  });

  it('lists a lead history in time order, and only what happened before a time when asked', async () => {
    await upsertLeads(db, t, [lead('L1')]);
    await insertActivities(db, t, [activity('L1', 30), activity('L1', 10), activity('L1', 20)]);
    expect((await listActivities(db, t, 'L1')).map((a) => a.occurredAt.getUTCMinutes())).toEqual([10, 20, 30]);
    const before = await listActivities(db, t, 'L1', new Date(Date.UTC(2024, 2, 2, 10, 20)));
    expect(before.map((a) => a.occurredAt.getUTCMinutes())).toEqual([10]);
  });
});

describe('upsertOutcomes', () => {
  it('inserts, updates and leaves alone by lead', async () => {
    await upsertLeads(db, t, [lead('L1'), lead('L2')]);
    const won = { leadId: 'L1', converted: true, outcomeAt: new Date('2024-04-01T00:00:00Z'), amount: 5000 };
    const lost = { leadId: 'L2', converted: false, outcomeAt: new Date('2024-04-02T00:00:00Z'), amount: null };
    expect(await upsertOutcomes(db, t, [won, lost])).toEqual({ inserted: 2, updated: 0, unchanged: 0 });
    expect(await upsertOutcomes(db, t, [won, { ...lost, converted: true }])).toEqual({ inserted: 0, updated: 1, unchanged: 1 });
    expect(await getOutcome(db, t, 'L2')).toEqual({ ...lost, converted: true });
  });
});
