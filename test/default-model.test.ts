import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE_VERSION } from '../src/features/index.js';
import { loadModelFolder } from '../src/model/artifact.js';
import { scoreHistories } from '../src/scoring/score-leads.js';

const DAY = 86_400_000;

describe('the shipped default model', () => {
  it('loads, is marked as the default, matches the featurizer, and scores a lead with reasons', async () => {
    const models = await loadModelFolder(path.resolve(import.meta.dirname, '../models/default'));
    try {
      expect(models.manifest.isDefault).toBe(true);
      expect(models.spec.version.split('+')[0]).toBe(BASE_VERSION);
      const asOf = new Date('2026-06-30T00:00:00Z');
      const lead = {
        id: 'L1',
        createdAt: new Date(asOf.getTime() - 10 * DAY),
        email: 'ana@acme.io',
        firstName: 'Ana',
        lastName: 'Silva',
        title: 'VP Revenue Operations',
        company: 'Acme',
        industry: 'Software',
        employees: 400,
        annualRevenue: 50_000_000,
        country: 'US',
        leadSource: 'Referral',
        attributes: {},
      };
      const act = (type: string, days: number) => ({ leadId: 'L1', type, occurredAt: new Date(asOf.getTime() - days * DAY), channel: 'web', detail: null });
      const [hot, cold] = await scoreHistories(
        models,
        [
          { lead, activities: [act('content_download', 5), act('pricing_page_view', 4.5), act('demo_request', 1)], outcome: null },
          { lead: { ...lead, id: 'L2', title: 'Student', email: 'x@gmail.com', employees: 3 }, activities: [], outcome: null },
        ],
        asOf,
      );
      expect(hot!.probability).toBeGreaterThan(cold!.probability * 3);
      expect(hot!.tier).toBe('Hot');
      expect(hot!.reasons.find((r) => r.direction === 'positive')?.text).toMatch(/demo|pricing|title/i);
    } finally {
      await models.close();
    }
  });
});
