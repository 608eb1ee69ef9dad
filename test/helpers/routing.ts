import type { Lead, Score } from '../../src/domain/index.js';
import { DEFAULT_SETTINGS, SettingsSchema, describeIssues, type Settings } from '../../src/settings/index.js';

/** A lead with only what routing looks at filled in. */
export const routingLead = (id: string, over: Partial<Lead> = {}): Lead => ({
  id,
  createdAt: new Date('2026-03-02T09:00:00Z'),
  email: `${id.toLowerCase()}@example.com`,
  firstName: 'Ana',
  lastName: 'Ruiz',
  title: 'VP Sales',
  company: 'Acme',
  industry: 'Software',
  employees: 250,
  annualRevenue: null,
  country: 'US',
  leadSource: 'Web',
  attributes: {},
  ...over,
});

export const scoreOf = (leadId: string, tier: string, composite = 50, over: Partial<Extract<Score, { status: 'scored' }>> = {}): Score => ({
  status: 'scored',
  leadId,
  composite,
  fit: composite,
  engagement: composite,
  probability: composite / 100,
  grade: 'B2',
  tier,
  reasons: [{ direction: 'positive', feature: 'demo_request', contribution: 1.2, text: 'Asked for a demo 2 days ago' }],
  nextAction: 'Call within 1 hour',
  modelVersion: 'm1',
  featureSpecVersion: 'f1',
  scoredAt: new Date('2026-03-02T09:00:00Z'),
  ...over,
});

/** Four reps and a queue; tests set away flags and capacities on top. */
export const ROSTER = [
  { id: 'ana', name: 'Ana', crmUserId: '005A' },
  { id: 'ben', name: 'Ben', crmUserId: '005B' },
  { id: 'cy', name: 'Cy', crmUserId: '005C' },
  { id: 'dee', name: 'Dee', crmUserId: '005D' },
  { id: 'queue', name: 'Lead queue', crmUserId: '00GQ', kind: 'queue' },
];

/** Default settings with this routing (parsed, so defaults are filled in); throws with the field paths when invalid. */
export function withRouting(routing: Record<string, unknown>, over: Partial<Settings> = {}): Settings {
  const parsed = SettingsSchema.safeParse({ ...DEFAULT_SETTINGS, ...over, routing: { score: 'composite', owners: ROSTER, fallbackOwner: 'queue', ...routing } });
  if (!parsed.success) throw new Error(JSON.stringify(describeIssues(parsed.error)));
  return parsed.data;
}

/** The problems SettingsSchema finds, as { field, message }. */
export function routingProblems(routing: Record<string, unknown>): Array<{ field: string; message: string }> {
  const parsed = SettingsSchema.safeParse({ ...DEFAULT_SETTINGS, routing: { score: 'composite', owners: ROSTER, fallbackOwner: 'queue', ...routing } });
  return parsed.success ? [] : describeIssues(parsed.error);
}
