import type { LeadHistory, Score } from '../domain/index.js';
import type { LoadedModelSet } from '../model/artifact.js';
import type { Settings } from '../settings/index.js';
import { scoreHistories, type ScoredLead } from './score-leads.js';

type Probabilities = Record<'composite' | 'fit' | 'engagement', number | null>;

/** Probability cut-offs resolved from a tenant's settings and the model's score distribution. */
export interface Cutoffs {
  tiers: Array<{ name: string; action: string; probability: number }>;
  tierScore: 'composite' | 'fit' | 'engagement';
  fit: [number, number, number];
  engagement: [number, number, number];
}

/** The value at percentile `p` (0-100) of a 101-point distribution, interpolated between whole percentiles. */
function atPercentile(distribution: readonly number[], p: number): number {
  const lo = Math.floor(p);
  const hi = Math.min(100, lo + 1);
  return distribution[lo]! + (distribution[hi]! - distribution[lo]!) * (p - lo);
}

/**
 * Turn settings into probabilities the scores are compared with. Percentiles refer to the scores
 * the model gave its training leads, so a tier means the same thing in batch and in real time.
 */
export function resolveCutoffs(models: LoadedModelSet, settings: Settings): Cutoffs {
  const distribution = models.manifest.distribution;
  const percentileOf = (score: 'composite' | 'fit' | 'engagement', p: number, field: string): number => {
    if (!distribution) {
      throw new Error(`${field}: model ${models.manifest.version} has no score distribution, so percentiles cannot be resolved; use score thresholds or retrain`);
    }
    return atPercentile(distribution[score], p);
  };
  const tiers = settings.tiers.levels.map((level, i) => ({
    name: level.name,
    action: level.action,
    probability:
      i === settings.tiers.levels.length - 1
        ? -Infinity
        : settings.tiers.basis === 'score'
          ? level.min / 100
          : percentileOf(settings.tiers.score, level.min, `tiers.levels[${i}].min`),
  }));
  const grade = (which: 'fit' | 'engagement'): [number, number, number] => {
    const g = settings.grades;
    if (g.basis === 'model') return models.manifest.thresholds[which];
    const cut = (x: number, i: number) => (g.basis === 'score' ? x / 100 : percentileOf(which, x, `grades.${which}[${i}]`));
    return [cut(g[which][0], 0), cut(g[which][1], 1), cut(g[which][2], 2)];
  };
  return { tiers, tierScore: settings.tiers.score, fit: grade('fit'), engagement: grade('engagement') };
}

const level = (p: number, [a, b, c]: readonly [number, number, number]) => (p >= a ? 0 : p >= b ? 1 : p >= c ? 2 : 3);

/** Grade, tier and next action of one lead's probabilities under the tenant's cut-offs. */
export function classify(p: Probabilities, cutoffs: Cutoffs): { grade: string | null; tier: Cutoffs['tiers'][number] } {
  const grade = p.fit !== null && p.engagement !== null ? `${'ABCD'[level(p.fit, cutoffs.fit)]}${level(p.engagement, cutoffs.engagement) + 1}` : null;
  const value = p[cutoffs.tierScore] ?? p.composite!;
  const tier = cutoffs.tiers.find((t) => value >= t.probability) ?? cutoffs.tiers[cutoffs.tiers.length - 1]!;
  return { grade, tier };
}

/** Why a lead cannot be scored yet from what is known of it, or null when it can. */
export function tooLittleData(history: LeadHistory): string | null {
  const l = history.lead;
  const known = [l.title, l.company, l.industry, l.employees, l.annualRevenue, l.country, l.leadSource, l.email].some((v) => v !== null && v !== '');
  if (known || history.activities.length > 0 || Object.keys(l.attributes).length > 0) return null;
  return 'too little data: the lead has no title, company, industry, size, revenue, country, source or email, and no activity yet';
}

export interface ScoreOptions {
  reasons?: boolean;
  reasonsPerSide?: number;
}

/**
 * Scores of leads as of `asOf` (one time for all, or each lead's own, e.g. leads of different
 * API calls scored together) under a tenant's settings: the model's calibrated probabilities on
 * 0-100, grade, tier, reasons and next action; a lead that cannot be scored says why. The scores
 * are in the order of `histories`, which may hold the same lead id more than once.
 */
export async function scoreLeads(
  models: LoadedModelSet | null,
  settings: Settings,
  histories: readonly LeadHistory[],
  asOf: Date | readonly Date[],
  options: ScoreOptions = {},
): Promise<Score[]> {
  const asOfAt = (i: number): Date => (asOf instanceof Date ? asOf : asOf[i]!);
  if (!models) {
    return histories.map((h, i) => ({ status: 'not_scored', leadId: h.lead.id, reason: 'no model is available for this tenant yet', scoredAt: asOfAt(i) }));
  }
  const scorable = histories.flatMap((h, i) => (tooLittleData(h) === null ? [i] : []));
  const results = await scoreHistories(
    models,
    scorable.map((i) => histories[i]!),
    asOf instanceof Date ? asOf : (_h, k) => asOfAt(scorable[k]!),
    options,
  );
  const scored = new Array<ScoredLead | undefined>(histories.length);
  scorable.forEach((i, k) => (scored[i] = results[k]));
  const cutoffs = resolveCutoffs(models, settings);
  return histories.map((h, i): Score => {
    const s = scored[i];
    if (!s) return { status: 'not_scored', leadId: h.lead.id, reason: tooLittleData(h)!, scoredAt: asOfAt(i) };
    const p = { composite: s.probability, fit: s.fitProbability, engagement: s.engagementProbability };
    const { grade, tier } = classify(p, cutoffs);
    const top = s.reasons.find((r) => r.direction === 'positive');
    return {
      status: 'scored',
      leadId: h.lead.id,
      composite: s.composite,
      fit: s.fit,
      engagement: s.engagement,
      probability: s.probability,
      grade,
      tier: tier.name,
      reasons: s.reasons,
      nextAction: top ? `${tier.action}: ${lowerFirst(top.text)}` : tier.action,
      modelVersion: models.manifest.version,
      featureSpecVersion: models.spec.version,
      scoredAt: asOfAt(i),
    };
  });
}

const lowerFirst = (text: string) => (/^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text);
