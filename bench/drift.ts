/**
 * Drift benchmark: `npm run bench -- drift [--leads N] [--seed S]`. A generated bundle whose
 * predictors change on 2026-07-01 (GenerateOptions.shift) is imported into a Postgres server
 * database; a model is trained on the outcomes before the change, and each lead decided around
 * and after the change gets the score that model gave it a week before its outcome (its score
 * history). The daily monitoring then runs as of each day from four weeks before the change
 * (the reference: how often it cries wolf on unchanged data) to twelve weeks after, and reports
 * how many days after the change the drift alarm fires. Then the composite AUC on the leads
 * decided in the months after that window: the model trained before the change, a model retrained
 * on the outcomes up to the end of the window, and the generator's true probabilities (the best
 * any model can do) on the same leads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { FileBundleSource } from '../connectors/file/index.js';
import { tenantId, type LeadHistory, type Score } from '../src/domain/index.js';
import { loadModelFolder, writeModelFolder, type LoadedModelSet } from '../src/model/artifact.js';
import { modelCard } from '../src/model/card.js';
import { auc } from '../src/model/metrics.js';
import { trainModelSet } from '../src/model/model-set.js';
import { alertsFor, monitorTenant, type MonitoringReport } from '../src/monitoring/index.js';
import { scoreHistories } from '../src/scoring/score-leads.js';
import { classify, resolveCutoffs } from '../src/scoring/service.js';
import { DEFAULT_SETTINGS } from '../src/settings/index.js';
import { ensureTenant, migrate, openPostgres, storeScoreChanges } from '../src/store/index.js';
import { collectHistories, importFromSource } from '../src/sync/index.js';
import { generateBundle } from '../src/synthetic/index.js';
import { leadId, makeLead } from '../src/synthetic/lead.js';

const DAY = 86_400_000;
const EXPORT_AT = new Date('2026-12-31T00:00:00Z');
const SHIFT_AT = new Date('2026-07-01T00:00:00Z');
const REFERENCE_DAYS = 28;
const WATCH_DAYS = 84;
/** Retraining uses the outcomes up to this many days after the change; AUC is measured on those decided later. */
const RETRAIN_AFTER_DAYS = 84;

export async function benchDrift(url: string, leads: number, seed: number): Promise<Record<string, unknown>> {
  const dir = path.resolve('.bench', `drift-bundle-${leads}-${seed}`);
  if (!fs.existsSync(path.join(dir, 'truth.csv'))) {
    console.log(`generating ${leads} leads with a shift on ${SHIFT_AT.toISOString().slice(0, 10)} into ${dir} ...`);
    await generateBundle({ leads, seed, outDir: dir, exportAt: EXPORT_AT, shift: { at: SHIFT_AT } });
  }
  const { histories } = await collectHistories(new FileBundleSource({ dir }));
  const closed = histories.filter((h) => h.outcome !== null);
  const before = closed.filter((h) => h.outcome!.outcomeAt < SHIFT_AT);
  console.log(`${histories.length} leads, ${closed.length} decided, ${before.length} of them before the change`);

  let t = performance.now();
  const pre = await trainInto(before, path.resolve('.bench', `drift-model-pre-${leads}-${seed}`), SHIFT_AT);
  console.log(`model trained on outcomes before the change in ${((performance.now() - t) / 1000).toFixed(1)} s: ${pre.manifest.version}, held-out AUC ${pre.manifest.models.composite.holdout?.auc?.toFixed(3)}`);

  const db = openPostgres({ url, poolSize: 4, ssl: 'off' });
  const tenant = tenantId('drift');
  try {
    await migrate(db);
    await ensureTenant(db, tenant, 'Drift bench');
    t = performance.now();
    await importFromSource(db, tenant, new FileBundleSource({ dir }));
    console.log(`imported in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // Each lead decided from the reference window on gets the score the pre-change model gave it a week before its outcome.
    const from = SHIFT_AT.getTime() - (REFERENCE_DAYS + 31) * DAY;
    const watched = closed.filter((h) => h.outcome!.outcomeAt.getTime() >= from);
    const scoredAt = (h: LeadHistory) => new Date(Math.max(h.lead.createdAt.getTime() + 3600_000, Math.min(h.outcome!.outcomeAt.getTime() - 7 * DAY, h.outcome!.outcomeAt.getTime() - 3600_000)));
    const cutoffs = resolveCutoffs(pre, DEFAULT_SETTINGS);
    const scored = await scoreHistories(pre, watched, scoredAt, { reasons: false });
    const scores: Score[] = scored.map((s, i) => {
      const { grade, tier } = classify({ composite: s.probability, fit: s.fitProbability, engagement: s.engagementProbability }, cutoffs);
      return { status: 'scored', leadId: s.leadId, composite: s.composite, fit: s.fit, engagement: s.engagement, probability: s.probability, grade, tier: tier.name, reasons: [], nextAction: null, modelVersion: pre.manifest.version, featureSpecVersion: pre.spec.version, scoredAt: scoredAt(watched[i]!) };
    });
    for (let i = 0; i < scores.length; i += 2000) await storeScoreChanges(db, tenant, scores.slice(i, i + 2000).map((score) => ({ score, write: null })));
    console.log(`${scores.length} score history rows from the pre-change model`);

    // The daily monitoring, day by day, as of 06:00 UTC.
    const models = { forTenant: async () => pre };
    const days: Array<{ day: string; offset: number; alarms: string[]; maxFeaturePsi: number | null; topFeature: string | null; maxNewLeadPsi: number | null; topNewLeadFeature: string | null; scorePsi: number | null; hotShare: number | null; auc: number | null; outcomes: number }> = [];
    t = performance.now();
    for (let offset = -REFERENCE_DAYS; offset <= WATCH_DAYS; offset++) {
      const asOf = new Date(SHIFT_AT.getTime() + offset * DAY + 6 * 3600_000);
      const { report } = await monitorTenant(db, models, tenant, { asOf, sampleSize: 3000 });
      days.push(summarize(report, offset));
      const d = days.at(-1)!;
      if (offset % 7 === 0 || d.alarms.length) {
        console.log(`day ${String(offset).padStart(3)} ${d.day}: max feature PSI ${fmt(d.maxFeaturePsi)} (${d.topFeature ?? '-'}), new leads ${fmt(d.maxNewLeadPsi)} (${d.topNewLeadFeature ?? '-'}), score PSI ${fmt(d.scorePsi)}, Hot share ${fmt(d.hotShare)}, AUC ${fmt(d.auc)} on ${d.outcomes}${d.alarms.length ? `  ALARM: ${d.alarms.join(', ')}` : ''}`);
      }
    }
    const monitorSeconds = (performance.now() - t) / 1000;
    const reference = days.filter((d) => d.offset < 0);
    const after = days.filter((d) => d.offset >= 0);
    const firstOf = (test: (d: (typeof days)[number]) => boolean) => after.find(test)?.offset ?? null;
    const drift = (d: (typeof days)[number]) => d.alarms.some((a) => a.startsWith('feature_psi') || a.startsWith('new_lead_psi') || a.startsWith('score_psi'));
    const result = {
      leads,
      seed,
      changeAt: SHIFT_AT.toISOString(),
      monitoringRuns: days.length,
      secondsPerRun: monitorSeconds / days.length,
      referenceDaysWithDriftAlarm: reference.filter(drift).length,
      referenceDays: reference.length,
      referenceDaysWithAnyAlarm: reference.filter((d) => d.alarms.length > 0).length,
      daysUntilDriftAlarm: firstOf(drift),
      daysUntilOpenLeadFeatureAlarm: firstOf((d) => d.alarms.some((a) => a.startsWith('feature_psi'))),
      daysUntilNewLeadFeatureAlarm: firstOf((d) => d.alarms.some((a) => a.startsWith('new_lead_psi'))),
      daysUntilScorePsiAlarm: firstOf((d) => d.alarms.some((a) => a.startsWith('score_psi'))),
      daysUntilAucDropAlarm: firstOf((d) => d.alarms.includes('auc_drop')),
      daysUntilHotShareAlarm: firstOf((d) => d.alarms.some((a) => a.startsWith('hot_share'))),
      firstDriftAlarm: after.find(drift)?.alarms ?? null,
      days,
    };
    console.log(`\ndrift alarm: ${result.daysUntilDriftAlarm ?? 'never'} days after the change (first: ${result.firstDriftAlarm?.join(', ') ?? '-'}); on all open leads' features after ${result.daysUntilOpenLeadFeatureAlarm ?? 'never'} days, on new leads' after ${result.daysUntilNewLeadFeatureAlarm ?? 'never'}; score PSI alarm after ${result.daysUntilScorePsiAlarm ?? 'never'} days; AUC-drop alarm after ${result.daysUntilAucDropAlarm ?? 'never'} days; Hot-share alarm after ${result.daysUntilHotShareAlarm ?? 'never'} days`);
    console.log(`reference (${reference.length} days before the change, same run): ${result.referenceDaysWithDriftAlarm} days with a drift alarm, ${result.referenceDaysWithAnyAlarm} with any alarm`);

    // AUC on the months after the watch window: pre-change model, retrained model, true probabilities.
    const retrainAt = new Date(SHIFT_AT.getTime() + RETRAIN_AFTER_DAYS * DAY);
    const test = closed.filter((h) => h.outcome!.outcomeAt >= retrainAt);
    t = performance.now();
    const retrained = await trainInto(closed.filter((h) => h.outcome!.outcomeAt < retrainAt), path.resolve('.bench', `drift-model-retrained-${leads}-${seed}`), retrainAt);
    const retrainSeconds = (performance.now() - t) / 1000;
    const truth = truthByLead(leads, seed);
    const labels = test.map((h) => (h.outcome!.converted ? 1 : 0));
    const aucOf = async (m: LoadedModelSet) => auc((await scoreHistories(m, test, (h) => h.outcome!.outcomeAt, { reasons: false })).map((s) => s.probability), labels);
    const aucs = {
      testLeads: test.length,
      testConversions: labels.reduce<number>((a, b) => a + b, 0),
      testFrom: retrainAt.toISOString(),
      preChangeModel: await aucOf(pre),
      retrainedModel: await aucOf(retrained),
      trueProbability: auc(test.map((h) => truth.get(h.lead.id)!), labels),
      retrainSeconds,
    };
    console.log(`composite AUC on ${aucs.testLeads} leads decided from ${aucs.testFrom.slice(0, 10)}: model trained before the change ${aucs.preChangeModel.toFixed(3)}, retrained on outcomes to ${aucs.testFrom.slice(0, 10)} ${aucs.retrainedModel.toFixed(3)}, true probabilities (reference) ${aucs.trueProbability.toFixed(3)}`);
    await pre.close();
    await retrained.close();
    return { ...result, auc: aucs };
  } finally {
    await db.close();
  }
}

async function trainInto(histories: readonly LeadHistory[], dir: string, now: Date): Promise<LoadedModelSet> {
  const set = trainModelSet(histories, { now });
  fs.rmSync(dir, { recursive: true, force: true });
  writeModelFolder(set, dir, modelCard(set, 'drift benchmark bundle'));
  return loadModelFolder(dir);
}

function summarize(report: MonitoringReport, offset: number) {
  const alarms = alertsFor(report, DEFAULT_SETTINGS.monitoring).map((a) => (a.subject ? `${a.metric}:${a.subject}` : a.metric));
  const top = report.drift.features[0];
  const newTop = report.drift.newLeads?.features[0];
  return {
    day: report.day,
    offset,
    alarms,
    maxFeaturePsi: top?.psi ?? null,
    topFeature: top?.name ?? null,
    maxNewLeadPsi: newTop?.psi ?? null,
    topNewLeadFeature: newTop?.name ?? null,
    scorePsi: report.drift.score?.psi ?? null,
    hotShare: report.hotShare.current,
    auc: report.accuracy.status === 'ok' ? report.accuracy.auc : null,
    outcomes: report.accuracy.outcomes,
  };
}

/** The generator's true probability of every lead (as of its outcome, or the export for open ones). */
function truthByLead(leads: number, seed: number): Map<string, number> {
  const timeline = { exportAt: EXPORT_AT.getTime(), startAt: EXPORT_AT.getTime() - 540 * DAY, changeAt: SHIFT_AT.getTime(), shiftAt: SHIFT_AT.getTime(), leads, seed };
  const out = new Map<string, number>();
  for (let i = 0; i < leads; i++) out.set(leadId(i), makeLead(timeline, i).probability);
  return out;
}

const fmt = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
