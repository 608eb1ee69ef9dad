import { describe, expect, it } from 'vitest';
import type { Activity, Lead } from '../domain/index.js';
import { buildSpec, featurize } from '../features/index.js';
import { reasonSlots, reasonsFor, reasonsFromSums } from './reasons.js';

const DAY = 86_400_000;
const asOf = new Date('2025-06-01T00:00:00Z');
const lead: Lead = {
  id: 'L1',
  createdAt: new Date(asOf.getTime() - 20 * DAY),
  email: 'dana@gmail.com',
  firstName: 'Dana',
  lastName: 'Lee',
  title: 'Director of Revenue Operations',
  company: 'Acme',
  industry: 'Hospital & Health Care',
  employees: 30,
  annualRevenue: 12_000_000,
  country: 'UK',
  leadSource: 'Partner',
  attributes: {},
};
const act = (type: string, days: number): Activity => ({ leadId: 'L1', type, occurredAt: new Date(asOf.getTime() - days * DAY), channel: 'web', detail: null });
const spec = buildSpec();
const vector = featurize(spec, lead, [act('pricing_page_view', 5), act('pricing_page_view', 3), act('pricing_page_view', 1), act('demo_request', 1.5)], asOf);

function contributions(weights: Record<string, number>): Float64Array {
  return Float64Array.from(spec.features.map((f) => weights[f.name] ?? 0));
}

describe('reasonsFor', () => {
  it('rolls related features into one topic and writes it from the lead values', () => {
    const reasons = reasonsFor(
      spec,
      vector,
      contributions({ pricing_page_view_7d: 0.5, pricing_page_view_30d: 0.2, pricing_views_ever: 0.1, title_seniority: 0.3, title_department: 0.1, employees_log10: -0.6, email_kind: -0.2 }),
    );
    expect(reasons).toEqual([
      { direction: 'positive', feature: 'pricing', contribution: expect.closeTo(0.8, 10), text: 'Viewed pricing 3 times in the last 7 days' },
      { direction: 'positive', feature: 'title', contribution: expect.closeTo(0.4, 10), text: 'Director-level title in Operations' },
      { direction: 'negative', feature: 'company_size', contribution: -0.6, text: 'Company of 11-50 employees, outside the usual buyer size' },
      { direction: 'negative', feature: 'email', contribution: -0.2, text: 'Uses a free email address' },
    ]);
  });

  it('keeps the strongest per side, drops noise, and covers every base feature with a sentence', () => {
    const all = contributions(Object.fromEntries(spec.features.map((f, i) => [f.name, (i % 2 ? 1 : -1) * (0.05 + i / 1000)])));
    const reasons = reasonsFor(spec, vector, all, { perSide: 50 });
    expect(reasons.every((r) => r.text.length > 0 && !/undefined|NaN/.test(r.text))).toBe(true);
    expect(reasons.map((r) => r.feature)).not.toContain('pricing_page_view_7d'); // rolled up, never raw
    expect(reasonsFor(spec, vector, all, { perSide: 2 })).toHaveLength(4);
    expect(reasonsFor(spec, vector, contributions({ industry: 0.001 }))).toEqual([]);
    expect(reasonsFor(spec, vector, contributions({ demo_requests_ever: 1.2 }))[0]!.text).toBe('Requested a demo in the last 7 days');
    expect(reasonsFor(spec, vector, contributions({ country: 0.1 }))[0]!.text).toBe('Based in the United Kingdom');
  });
});

describe('reasonsFromSums', () => {
  const { count } = reasonSlots(spec);
  const sumsOf = (entries: Record<number, number>) => Float64Array.from({ length: count }, (_, i) => entries[i] ?? 0);
  const topic = (slot: number) => reasonsFromSums(spec, vector, sumsOf({ [slot]: 1 }))[0]!.feature;

  it('keeps the strongest topics per side, strongest first and the earlier topic on a tie', () => {
    const sums = sumsOf({ 1: 0.5, 3: 0.5, 7: 0.9, 10: 0.3, 2: -0.8, 5: -0.4, 12: -0.4, 6: 0.01, 8: -0.01 });
    const reasons = reasonsFromSums(spec, vector, sums, { perSide: 2 });
    expect(reasons.map((r) => [r.direction, r.feature, r.contribution])).toEqual([
      ['positive', topic(7), 0.9],
      ['positive', topic(1), 0.5],
      ['negative', topic(2), -0.8],
      ['negative', topic(5), -0.4],
    ]);
    expect(reasonsFromSums(spec, vector, sums, { perSide: 10 }).map((r) => r.contribution)).toEqual([0.9, 0.5, 0.5, 0.3, -0.8, -0.4, -0.4]);
    expect(reasonsFromSums(spec, vector, sums, { perSide: 0 })).toEqual([]);
  });
});

describe('momentum sentences', () => {
  it('counts channels only when the activities name one', () => {
    const noChannel = (type: string, days: number): Activity => ({ ...act(type, days), channel: null });
    const withChannels = featurize(spec, lead, [act('page_view', 3), { ...act('email_click', 2), channel: 'email' }], asOf);
    const without = featurize(spec, lead, [noChannel('page_view', 3), noChannel('email_click', 2)], asOf);
    const momentum = contributions({ events_90d: 0.4 });
    expect(reasonsFor(spec, withChannels, momentum)[0]!.text).toMatch(/^2 activities across 2 channels in the last 90 days/);
    expect(reasonsFor(spec, without, momentum)[0]!.text).toMatch(/^2 activities in the last 90 days/);
  });
});
