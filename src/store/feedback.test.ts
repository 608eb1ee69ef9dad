import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../test/helpers/db.js';
import { tenantId, type Lead } from '../domain/index.js';
import type { Database } from './db.js';
import { countFeedback, listFeedback, recordFeedback, type NewFeedback } from './feedback.js';
import { upsertLeads } from './leads.js';
import { ensureTenant } from './tenants.js';
import { blankLead } from '../../test/helpers/leads.js';

const acme = tenantId('acme');
const globex = tenantId('globex');

const lead = (id: string): Lead => blankLead(id);

const feedback = (leadId: string, reason: NewFeedback['reason'], country: string | null, tier: string | null): NewFeedback => ({
  leadId,
  source: 'file',
  reason,
  comment: null,
  user: 'rep@acme.test',
  score: tier ? { status: 'scored', composite: 42, fit: 40, engagement: 44, grade: 'B2', tier, scoredAt: '2024-04-01T00:00:00.000Z' } : null,
  reasons: tier ? [{ feature: 'pricing_views_7d', text: 'Viewed pricing 3 times', contribution: 0.8, direction: 'positive' }] : [],
  modelVersion: tier ? 'v1' : null,
  segment: { country, size_band: 'unknown', lead_source: null },
});

let db: Database;
beforeEach(async () => {
  db = await openTestDatabase();
  await ensureTenant(db, acme, 'Acme');
  await ensureTenant(db, globex, 'Globex');
  await upsertLeads(db, acme, [lead('a1'), lead('a2'), lead('a3')]);
  await upsertLeads(db, globex, [lead('a1')]);
});
afterEach(async () => {
  await db.close();
});

describe('feedback store', () => {
  it('keeps the score and reasons given with the feedback, and lists newest first with filters and pages', async () => {
    const first = await recordFeedback(db, acme, feedback('a1', 'too_high', 'US', 'Hot'));
    expect(first).toMatchObject({ leadId: 'a1', reason: 'too_high', tier: 'Hot', modelVersion: 'v1', score: { composite: 42, tier: 'Hot' }, reasons: [{ text: 'Viewed pricing 3 times' }] });
    await recordFeedback(db, acme, feedback('a2', 'too_low', 'DE', 'Nurture'));
    await recordFeedback(db, acme, feedback('a3', 'too_low', null, null));
    expect((await listFeedback(db, acme)).map((f) => f.leadId)).toEqual(['a3', 'a2', 'a1']);
    expect((await listFeedback(db, acme, { reason: 'too_low' })).map((f) => f.leadId)).toEqual(['a3', 'a2']);
    expect((await listFeedback(db, acme, { leadId: 'a1' })).map((f) => f.reason)).toEqual(['too_high']);
    const page1 = await listFeedback(db, acme, { limit: 2 });
    const page2 = await listFeedback(db, acme, { limit: 2, before: page1.at(-1)!.id });
    expect([...page1, ...page2].map((f) => f.leadId)).toEqual(['a3', 'a2', 'a1']);
  });

  it('counts feedback per segment and reason', async () => {
    await recordFeedback(db, acme, feedback('a1', 'too_high', 'US', 'Hot'));
    await recordFeedback(db, acme, feedback('a2', 'too_high', 'US', 'Hot'));
    await recordFeedback(db, acme, feedback('a3', 'too_low', 'DE', 'Nurture'));
    expect(await countFeedback(db, acme, 'country')).toEqual([
      { segment: 'US', reason: 'too_high', count: 2 },
      { segment: 'DE', reason: 'too_low', count: 1 },
    ]);
    expect(await countFeedback(db, acme, 'tier')).toEqual([
      { segment: 'Hot', reason: 'too_high', count: 2 },
      { segment: 'Nurture', reason: 'too_low', count: 1 },
    ]);
  });

  it("never shows one tenant's feedback to another, and goes with its lead", async () => {
    await recordFeedback(db, acme, feedback('a1', 'too_high', 'US', 'Hot'));
    expect(await listFeedback(db, globex)).toEqual([]);
    expect(await countFeedback(db, globex, 'tier')).toEqual([]);
    await db.query(`DELETE FROM leads WHERE tenant_id = $1 AND lead_id = 'a1'`, [acme]);
    expect(await listFeedback(db, acme)).toEqual([]);
  });

  it('refuses a reason outside the contract and a comment over 1000 characters', async () => {
    await expect(recordFeedback(db, acme, { ...feedback('a1', 'too_high', null, null), reason: 'meh' as 'other' })).rejects.toThrow();
    await expect(recordFeedback(db, acme, { ...feedback('a1', 'too_high', null, null), comment: 'x'.repeat(1001) })).rejects.toThrow();
  });
});
