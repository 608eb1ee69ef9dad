import type { LeadHistory, TenantId } from '../domain/index.js';
import { canonicalCountry, canonicalLeadSource, featurizeMany, type FeatureMatrix, type FeatureSpec } from '../features/index.js';
import type { LoadedModelSet } from '../model/artifact.js';
import { scoreHistories } from '../scoring/score-leads.js';
import { classify, resolveCutoffs } from '../scoring/service.js';
import type { ModelSource } from '../scoring/rescore.js';
import { currentSettings, type Settings } from '../settings/index.js';
import {
  insertAlerts,
  openLeadIdsAsOf,
  outcomeLeadIdsBetween,
  outcomesWithPriorScores,
  readHistories,
  recordSlackDelivery,
  saveMonitoringReport,
  type Database,
  type MonitoringAlert,
} from '../store/index.js';
import { accuracyBySegment, measureAccuracy, type ScoredOutcome } from './accuracy.js';
import { alertsFor, slackText } from './alerts.js';
import { binCategorical, binNumeric, psi, psiBand, quantileEdges } from './psi.js';
import type { MonitoringReport } from './report.js';
import { postToSlack, type SlackPostOptions } from './slack.js';

const DAY = 86_400_000;
/** Open leads created this many days before the report are "new leads" for drift. */
export const NEW_LEAD_DAYS = 14;

export interface MonitorOptions {
  /** The time the report is for (default now); only what was known then counts. */
  asOf?: Date;
  /** Most open leads and training leads featurized (a stable sample beyond it). */
  sampleSize?: number;
  /** Fewest leads on each side before drift is measured. */
  minDriftLeads?: number;
  slack?: SlackPostOptions;
}

export interface MonitorResult {
  report: MonitoringReport;
  /** Alerts raised by this run (an alert raised earlier the same day is not raised again). */
  alerts: MonitoringAlert[];
  slack: { status: 'not_configured' | 'sent' | 'failed' | 'nothing_to_send'; attempts: number; error: string | null };
}

/**
 * The daily monitoring of one tenant: accuracy of the scores leads had before their outcomes,
 * drift of today's open leads from the model's training window, the share of Hot leads; stored
 * as the day's report, with an alert for each figure past its threshold (in the app, and posted to
 * the tenant's Slack webhook when one is set).
 */
export async function monitorTenant(db: Database, models: ModelSource, tenant: TenantId, options: MonitorOptions = {}): Promise<MonitorResult> {
  const asOf = options.asOf ?? new Date();
  const day = asOf.toISOString().slice(0, 10);
  const { settings } = await currentSettings(db, tenant);
  const modelSet = await models.forTenant(tenant);
  const report = await buildReport(db, modelSet, settings, tenant, asOf, options);
  await saveMonitoringReport(db, tenant, day, report.model.version, report as unknown as Record<string, unknown>);

  const url = settings.monitoring.slackWebhookUrl;
  const alerts = await insertAlerts(db, tenant, day, alertsFor(report, settings.monitoring), url ? 'pending' : 'not_configured');
  if (!url) return { report, alerts, slack: { status: 'not_configured', attempts: 0, error: null } };
  if (alerts.length === 0) return { report, alerts, slack: { status: 'nothing_to_send', attempts: 0, error: null } };
  // The alerts are stored first: a Slack failure never loses them, it is recorded beside them.
  const posted = await postToSlack(url, slackText(tenant, day, alerts), options.slack);
  const status: 'sent' | 'failed' = posted.ok ? 'sent' : 'failed';
  await recordSlackDelivery(db, tenant, alerts.map((a) => a.id), { status, attempts: posted.attempts, error: posted.error });
  const stored = alerts.map((a) => ({ ...a, slack: { status, attempts: a.slack.attempts + posted.attempts, error: posted.error } }));
  return { report, alerts: stored, slack: { status, attempts: posted.attempts, error: posted.error } };
}

async function buildReport(
  db: Database,
  models: LoadedModelSet | null,
  settings: Settings,
  tenant: TenantId,
  asOf: Date,
  options: MonitorOptions,
): Promise<MonitoringReport> {
  const m = settings.monitoring;
  const sampleSize = options.sampleSize ?? 5000;
  const minDriftLeads = options.minDriftLeads ?? 100;
  const manifest = models?.manifest ?? null;
  const training = manifest?.training as { from?: string; to?: string } | undefined;
  const window = training?.from && training?.to ? { from: training.from, to: training.to } : null;
  const holdout = manifest?.models.composite.holdout ?? null;
  const topTier = settings.tiers.levels[0]!.name;

  // Accuracy: outcomes decided in the window, each with the score the lead had before it.
  const from = new Date(asOf.getTime() - m.windowDays * DAY);
  const arrived = await outcomesWithPriorScores(db, tenant, from, asOf);
  const scored: ScoredOutcome[] = arrived
    .filter((o) => o.composite !== null)
    .map((o) => ({
      leadId: o.leadId,
      probability: Math.min(1, Math.max(0, o.composite! / 100)),
      hot: o.tier === topTier,
      converted: o.converted,
      segments: {
        source: canonicalLeadSource(o.leadSource) ?? 'unknown',
        country: canonicalCountry(o.country) ?? 'unknown',
        sizeBand: sizeBandOf(o.employees),
      },
    }));
  const minimum = { outcomes: m.minOutcomes, perClass: m.minPerClass };
  const accuracy = { ...measureAccuracy(scored, minimum), windowDays: m.windowDays, from: from.toISOString(), to: asOf.toISOString(), unscored: arrived.length - scored.length };
  const segments = accuracy.status === 'ok' ? accuracyBySegment(scored, minimum) : [];

  const report: MonitoringReport = {
    day: asOf.toISOString().slice(0, 10),
    asOf: asOf.toISOString(),
    model: {
      version: manifest?.version ?? null,
      isDefault: manifest?.isDefault ?? false,
      trainingWindow: window,
      holdoutAuc: finite(holdout?.auc),
      holdoutEce: finite(holdout?.ece),
    },
    accuracy,
    segments,
    drift: { status: 'not_enough_data', message: null, openLeads: 0, trainingLeads: 0, features: [], newLeads: null, score: null },
    hotShare: { tier: topTier, current: null, expected: null, openLeads: 0 },
    scoreHistogram: new Array<number>(10).fill(0),
  };
  if (!models) {
    report.drift.message = 'no model is scoring this tenant yet';
    return report;
  }

  // Today's open leads, featurized and scored as of now with the model in force.
  const openIds = await openLeadIdsAsOf(db, tenant, asOf, sampleSize);
  const open = openIds.length ? await readHistories(db, tenant, { ids: openIds }) : [];
  report.drift.openLeads = open.length;
  report.hotShare.openLeads = open.length;
  if (open.length > 0) {
    const scoredOpen = await scoreHistories(models, open, asOf, { reasons: false });
    const cutoffs = resolveCutoffs(models, settings);
    let hot = 0;
    const probabilities = scoredOpen.map((s) => {
      const { tier } = classify({ composite: s.probability, fit: s.fitProbability, engagement: s.engagementProbability }, cutoffs);
      if (tier.name === topTier) hot++;
      report.scoreHistogram[Math.min(9, Math.floor(s.probability * 10))]!++;
      return s.probability;
    });
    report.hotShare.current = hot / open.length;
    const top = cutoffs.tiers[0]!;
    const distribution = manifest?.distribution?.[cutoffs.tierScore];
    if (distribution) report.hotShare.expected = shareAtOrAbove(distribution, top.probability);
    const composite = manifest?.distribution?.composite;
    if (composite) {
      const edges = [10, 20, 30, 40, 50, 60, 70, 80, 90].map((q) => composite[q]!);
      const actual = binNumeric(probabilities, edges).slice(0, 10);
      // Tied deciles (a model with few distinct scores) would make bins of no width: merge them.
      const expected = new Array<number>(10).fill(0.1);
      const merged = mergeTiedBins(edges, expected, actual);
      const value = psi(merged.expected, merged.actual);
      report.drift.score = { psi: value, band: psiBand(value, settings.monitoring.psi), edges: merged.edges, expected: merged.expected, actual: merged.actual };
    }
  }

  // Features: today's open leads against the training window's leads, featurized as of their outcome.
  if (manifest?.isDefault) {
    report.drift.message = "the shipped default model is scoring this tenant: it was trained on generated data, so there are no training leads of this tenant's to compare features with";
    return report;
  }
  if (!window) {
    report.drift.message = `model ${manifest?.version} does not name its training window`;
    return report;
  }
  const trainingIds = await outcomeLeadIdsBetween(db, tenant, new Date(window.from), new Date(window.to), sampleSize);
  const trained = trainingIds.length ? await readHistories(db, tenant, { ids: trainingIds }) : [];
  report.drift.trainingLeads = trained.length;
  if (trained.length < minDriftLeads || open.length < minDriftLeads) {
    report.drift.message = `not enough leads to measure drift: ${trained.length} leads of the training window and ${open.length} open leads (at least ${minDriftLeads} of each)`;
    return report;
  }
  const reference = featurizeMany(models.spec, trained.map((h: LeadHistory) => ({ lead: h.lead, activities: h.activities, asOf: h.outcome!.outcomeAt })));
  const current = featurizeMany(models.spec, open.map((h) => ({ lead: h.lead, activities: h.activities, asOf })));
  report.drift.features = featurePsi(models.spec, reference, current).map((f) => ({ ...f, band: psiBand(f.psi, settings.monitoring.psi) }));
  report.drift.status = 'ok';
  // New arrivals on their own, fit features only (a new lead has had no time to engage).
  const since = asOf.getTime() - NEW_LEAD_DAYS * DAY;
  const recent = open.flatMap((h, i) => (h.lead.createdAt.getTime() >= since ? [i] : []));
  if (recent.length >= minDriftLeads) {
    const fit = models.spec.features.flatMap((f, i) => (f.group === 'fit' ? [i] : []));
    const fitSpec = { ...models.spec, features: fit.map((i) => models.spec.features[i]!) };
    const all = Array.from({ length: reference.rows }, (_, i) => i);
    const features = featurePsi(fitSpec, subMatrix(reference, all, fit), subMatrix(current, recent, fit));
    report.drift.newLeads = { days: NEW_LEAD_DAYS, leads: recent.length, features: features.map((f) => ({ ...f, band: psiBand(f.psi, settings.monitoring.psi) })) };
  }
  return report;
}

/** PSI of every feature of the spec between two matrices featurized with it, largest first. */
export function featurePsi(spec: FeatureSpec, reference: FeatureMatrix, current: FeatureMatrix): Array<{ name: string; group: 'fit' | 'engagement'; psi: number }> {
  const column = (mx: FeatureMatrix, c: number) => Float64Array.from({ length: mx.rows }, (_, r) => mx.values[r * mx.cols + c]!);
  return spec.features
    .map((f, c) => {
      const ref = column(reference, c);
      const cur = column(current, c);
      const [expected, actual] =
        f.kind === 'categorical'
          ? [binCategorical(ref, f.categories?.length ?? 0), binCategorical(cur, f.categories?.length ?? 0)]
          : ((edges) => [binNumeric(ref, edges), binNumeric(cur, edges)])(quantileEdges(ref));
      return { name: f.name, group: f.group, psi: psi(expected, actual) };
    })
    .filter((f) => Number.isFinite(f.psi))
    .sort((a, b) => b.psi - a.psi);
}

/** Share of a 101-point percentile distribution at or above `cutoff`. */
export function shareAtOrAbove(distribution: readonly number[], cutoff: number): number {
  if (cutoff === -Infinity) return 1;
  const q = distribution.findIndex((v) => v >= cutoff);
  return q === -1 ? 0 : 1 - q / 100;
}

function mergeTiedBins(edges: number[], expected: number[], actual: number[]): { edges: number[]; expected: number[]; actual: number[] } {
  const out = { edges: [] as number[], expected: [expected[0]!], actual: [actual[0]!] };
  edges.forEach((edge, i) => {
    if (out.edges.length > 0 && edge <= out.edges[out.edges.length - 1]!) {
      out.expected[out.expected.length - 1]! += expected[i + 1]!;
      out.actual[out.actual.length - 1]! += actual[i + 1]!;
    } else {
      out.edges.push(edge);
      out.expected.push(expected[i + 1]!);
      out.actual.push(actual[i + 1]!);
    }
  });
  return out;
}

function subMatrix(mx: FeatureMatrix, rows: readonly number[], cols: readonly number[]): FeatureMatrix {
  const values = new Float64Array(rows.length * cols.length);
  rows.forEach((r, i) => cols.forEach((col, j) => (values[i * cols.length + j] = mx.values[r * mx.cols + col]!)));
  return { rows: rows.length, cols: cols.length, values };
}

function sizeBandOf(employees: number | null): string {
  if (employees === null) return 'unknown';
  return employees < 50 ? '1-49' : employees < 500 ? '50-499' : '500+';
}

const finite = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
