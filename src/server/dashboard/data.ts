import fs from 'node:fs';
import path from 'node:path';
import type { TenantId } from '../../domain/index.js';
import { ChampionModelSource } from '../../learning/model-source.js';
import type { LoadedModelSet } from '../../model/artifact.js';
import { MODEL_NAMES, type ModelName } from '../../model/model-set.js';
import { TRAINING_MINIMUM } from '../../model/training-set.js';
import { currentSettings } from '../../settings/index.js';
import type { MonitoringReport } from '../../monitoring/index.js';
import type { ModelSource } from '../../scoring/rescore.js';
import { countTenantData, getChampion, listAlerts, monitoringReports, queryAudit, type Database, type MonitoringAlert } from '../../store/index.js';
import type { Importance, ModelMetrics } from './tables.js';

/** Everything the model dashboard shows for one tenant, as plain data (the renderers take parts of it). */
export interface DashboardData {
  tenant: string;
  model: {
    version: string;
    isDefault: boolean;
    createdAt: string;
    trainingWindow: { from: string; to: string } | null;
    holdout: ModelMetrics;
  } | null;
  modelCard: string | null;
  /** The composite model's importance. */
  importance: Importance[];
  /** The previous version's composite importance; null when there is no previous version. */
  previousImportance: Importance[] | null;
  /** Each model of the set (fit, engagement, composite): its importance now and in the previous version. */
  importanceByModel: Array<{ model: ModelName; current: Importance[]; previous: Importance[] | null }>;
  /**
   * The version in force before this one (the one it was promoted over, or rolled back from; the
   * shipped default is "default (<its version>)"); null when the shipped default is in force or none is known.
   */
  previousVersion: string | null;
  /** The tenant's champion when its files do not load (the shipped default scores meanwhile), with why. */
  championFailure?: { version: string; message: string } | null;
  latest: MonitoringReport | null;
  /** Oldest first. */
  history: Array<{ day: string; scoreHistogram: number[]; hotShare: number | null; expectedHotShare: number | null; tier: string }>;
  openAlerts: MonitoringAlert[];
  outcomes: { total: number; converted: number; needed: { outcomes: number; conversions: number; nonConversions: number } };
}

/** Gather what exists for a tenant: its model in force (manifest, holdout metrics, card, importance), monitoring reports and open alerts. */
export async function loadDashboardData(db: Database, models: ModelSource, tenant: TenantId): Promise<DashboardData> {
  const set = await models.forTenant(tenant);
  const [reports, openAlerts, counts, settings] = await Promise.all([monitoringReports(db, tenant, 30), listAlerts(db, tenant, { open: true, limit: 50 }), countTenantData(db, tenant), currentSettings(db, tenant)]);
  const latest = (reports[0]?.report as unknown as MonitoringReport | undefined) ?? null;
  const previous = set ? await previousModel(db, models, tenant) : null;
  const importanceByModel = set
    ? MODEL_NAMES.map((model) => ({ model, current: featureImportance(set, model), previous: previous?.set ? featureImportance(previous.set, model) : null }))
    : [];
  return {
    tenant,
    model: set ? modelSummary(set) : null,
    modelCard: set ? readCard(set.dir) : null,
    importance: importanceByModel.find((m) => m.model === 'composite')?.current ?? [],
    previousImportance: importanceByModel.find((m) => m.model === 'composite')?.previous ?? null,
    importanceByModel,
    previousVersion: previous?.label ?? null,
    championFailure: models instanceof ChampionModelSource ? models.championFailure(tenant) : null,
    latest,
    history: reports
      .map((r) => r.report as unknown as MonitoringReport)
      .reverse()
      .map((r) => ({ day: r.day, scoreHistogram: r.scoreHistogram, hotShare: r.hotShare.current, expectedHotShare: r.hotShare.expected, tier: r.hotShare.tier })),
    openAlerts,
    // The tenant's own threshold for a model of its own (retraining refuses below it), never under the trainer's floor.
    outcomes: { total: counts.outcomes, converted: counts.converted, needed: { ...TRAINING_MINIMUM, outcomes: Math.max(TRAINING_MINIMUM.outcomes, settings.settings.learning.minOutcomes) } },
  };
}

function modelSummary(set: LoadedModelSet): NonNullable<DashboardData['model']> {
  const m = set.manifest;
  const h = set.models.composite.holdout ?? {};
  const training = m.training as { from?: string; to?: string; split?: { holdout?: number } } | undefined;
  return {
    version: m.version,
    isDefault: m.isDefault,
    createdAt: m.createdAt,
    trainingWindow: training?.from && training.to ? { from: training.from, to: training.to } : null,
    holdout: { version: m.version, auc: h.auc ?? null, ece: h.ece ?? null, liftTopDecile: h.liftTopDecile ?? null, logLoss: h.logLoss ?? null, outcomes: h.rows ?? null },
  };
}

function readCard(dir: string): string | null {
  try {
    return fs.readFileSync(path.join(dir, 'MODEL_CARD.md'), 'utf8');
  } catch {
    return null;
  }
}

/**
 * The model set in force before the tenant's champion: the one the newest promotion (or rollback)
 * to it replaced, from the audit log, else the champion it was compared with when trained. Null
 * while the shipped default is in force, or when models come from folders only.
 */
async function previousModel(db: Database, models: ModelSource, tenant: TenantId): Promise<{ label: string; set: LoadedModelSet | null } | null> {
  if (!(models instanceof ChampionModelSource)) return null;
  const champion = await getChampion(db, tenant);
  if (!champion) return null;
  const [entry] = await queryAudit(db, tenant, { recordId: `model:${champion.version}`, limit: 1 });
  const version = (entry?.before?.champion as string | undefined) ?? ((champion.evaluation as { champion?: string }).champion || null);
  if (!version) return null;
  if (version === 'default') {
    const fallback = await models.fallbackFor(tenant);
    return { label: fallback ? `default (${fallback.manifest.version})` : 'default', set: fallback };
  }
  // A previous version whose files no longer load has no importance to compare with; the page says so.
  return { label: version, set: await models.version(tenant, version).catch(() => null) };
}

/**
 * Importance of each feature in a model's trees (the composite by default): the training weight
 * (hessian cover) of the rows reaching each split on it, as a share of all splits. A model
 * without trees has none.
 */
export function featureImportance(set: LoadedModelSet, name: ModelName = 'composite'): Importance[] {
  const model = set.models[name];
  // An older model set may have no fit or engagement model.
  if (!model?.ensemble) return [];
  const totals = new Map<number, number>();
  for (const tree of model.ensemble.trees) {
    for (let node = 0; node < tree.feature.length; node++) {
      const f = tree.feature[node]!;
      if (f >= 0) totals.set(f, (totals.get(f) ?? 0) + tree.cover[node]!);
    }
  }
  const sum = [...totals.values()].reduce((a, b) => a + b, 0) || 1;
  return [...totals]
    .map(([input, total]) => ({ feature: set.spec.features[model.columns[input]!]?.name ?? `input ${input}`, importance: total / sum }))
    .sort((a, b) => b.importance - a.importance);
}
