import { describe, expect, it } from 'vitest';
import type { Activity, Lead } from '../domain/index.js';
import { inferAttributeFeatures } from './attributes.js';
import { featurize, featurizeMany } from './featurize.js';
import { BASE_FEATURES, buildSpec, columnsOfGroup } from './spec.js';

const DAY = 86_400_000;
const asOf = new Date('2025-06-01T00:00:00Z');
const daysAgo = (d: number) => new Date(asOf.getTime() - d * DAY);

const lead: Lead = {
  id: 'L1',
  createdAt: daysAgo(40),
  email: 'ana@acme.io',
  firstName: 'Ana',
  lastName: null,
  title: 'VP of Sales',
  company: 'Acme',
  industry: 'SaaS',
  employees: 99,
  annualRevenue: null,
  country: 'USA',
  leadSource: 'Google Ads',
  attributes: { plan: 'Enterprise', seats: '1,200' },
};

const act = (type: string, d: number, channel: string | null = 'web'): Activity => ({
  leadId: 'L1',
  type,
  occurredAt: daysAgo(d),
  channel,
  detail: null,
});

const spec = buildSpec();
const value = (vector: Float64Array, name: string) => vector[spec.features.findIndex((f) => f.name === name)];

describe('featurize', () => {
  const history = [
    act('page_view', 60),
    act('content_download', 20),
    act('pricing_page_view', 19), // within 48 hours of the download
    act('email_open', 10, 'email'),
    act('email_click', 10, 'email'),
    act('pricing_page_view', 3),
    act('demo_request', 1),
  ];

  it('describes who the lead is from messy fields', () => {
    const v = featurize(spec, lead, [], asOf);
    const f = (name: string) => spec.features.find((d) => d.name === name)!;
    expect(f('title_seniority').categories![value(v, 'title_seniority')!]).toBe('vp');
    expect(f('title_department').categories![value(v, 'title_department')!]).toBe('sales');
    expect(f('industry').categories![value(v, 'industry')!]).toBe('software');
    expect(f('country').categories![value(v, 'country')!]).toBe('US');
    expect(f('lead_source').categories![value(v, 'lead_source')!]).toBe('paid_search');
    expect(f('email_kind').categories![value(v, 'email_kind')!]).toBe('corporate');
    expect(value(v, 'employees_log10')).toBeCloseTo(2);
    expect(value(v, 'annual_revenue_log10')).toBeNaN(); // blank stays unknown
    expect(value(v, 'profile_completeness')).toBe(8);
  });

  it('counts what the lead did in each window, with recency, sequences and breadth', () => {
    const v = featurize(spec, lead, history, asOf);
    expect(value(v, 'pricing_page_view_7d')).toBe(1);
    expect(value(v, 'pricing_page_view_30d')).toBe(2);
    expect(value(v, 'events_90d')).toBe(7);
    expect(value(v, 'events_7d')).toBe(2);
    expect(value(v, 'demo_requests_ever')).toBe(1);
    expect(value(v, 'download_then_pricing_48h')).toBe(1);
    expect(value(v, 'days_since_last_activity')).toBeCloseTo(1);
    expect(value(v, 'days_since_first_activity')).toBeCloseTo(60);
    expect(value(v, 'days_since_created')).toBeCloseTo(40);
    expect(value(v, 'days_since_high_intent')).toBeCloseTo(1);
    expect(value(v, 'channels_90d')).toBe(2);
    expect(value(v, 'email_click_rate_60d')).toBe(1);
    expect(value(v, 'velocity_14d')).toBeGreaterThan(1);
    expect(value(v, 'decayed_activity')).toBeGreaterThan(value(v, 'decayed_high_intent')!);
  });

  it('sees nothing at or after the as-of time: what happened after a decision never reaches the features', () => {
    const before = featurize(spec, lead, history, asOf);
    const after = featurize(spec, lead, [...history, { ...act('meeting', 0), occurredAt: asOf }, { ...act('call', 0), occurredAt: new Date(asOf.getTime() + DAY) }], asOf);
    expect(Array.from(after)).toEqual(Array.from(before));
    expect(value(after, 'meetings_ever')).toBe(0);
  });

  it('gives a lead without activity zero counts and unknown recency', () => {
    const v = featurize(spec, lead, [], asOf);
    expect(value(v, 'events_90d')).toBe(0);
    expect(value(v, 'days_since_last_activity')).toBeNaN();
    expect(value(v, 'email_click_rate_60d')).toBeNaN();
  });

  it('refuses a spec made by another featurizer version', () => {
    expect(() => featurize({ ...spec, version: 'lf-0' }, lead, [], asOf)).toThrow(/another featurizer/);
  });

  it('splits the features into fit and engagement groups', () => {
    const fit = columnsOfGroup(spec, 'fit').map((i) => spec.features[i]!.name);
    const engagement = columnsOfGroup(spec, 'engagement').map((i) => spec.features[i]!.name);
    expect(fit).toContain('title_seniority');
    expect(engagement).toContain('demo_requests_ever');
    expect(fit.length + engagement.length).toBe(BASE_FEATURES.length);
  });
});

describe('custom attributes', () => {
  const leads: Lead[] = Array.from({ length: 200 }, (_, i) => ({
    ...lead,
    id: `L${i}`,
    attributes: {
      seats: String(i * 10),
      plan: ['Core', 'Enterprise', 'core '][i % 3]!,
      crm_id: `X${i}`, // an id: one value per lead
      rare: i === 0 ? 'yes' : '',
    },
  }));

  it('types attributes as numbers or categories and leaves ids and sparse ones out', () => {
    const defs = inferAttributeFeatures(leads);
    expect(defs).toEqual([
      { name: 'attr_plan', kind: 'categorical', group: 'fit', attribute: 'plan', categories: ['core', 'enterprise', 'other'] },
      { name: 'attr_seats', kind: 'numeric', group: 'fit', attribute: 'seats' },
    ]);
    const withAttributes = buildSpec(defs);
    expect(withAttributes.version).toMatch(/^lf-1\+[0-9a-f]{8}$/);
    const m = featurizeMany(withAttributes, [
      { lead: { ...lead, attributes: { plan: 'CORE', seats: '1,200' } }, activities: [], asOf },
      { lead: { ...lead, attributes: { plan: 'Platinum' } }, activities: [], asOf },
    ]);
    const plan = withAttributes.features.findIndex((f) => f.name === 'attr_plan');
    const seats = withAttributes.features.findIndex((f) => f.name === 'attr_seats');
    expect(m.values[plan]).toBe(0);
    expect(m.values[seats]).toBe(1200);
    expect(m.values[m.cols + plan]).toBe(2); // unseen value: "other"
    expect(m.values[m.cols + seats]).toBeNaN();
  });
});
