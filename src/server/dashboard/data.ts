import fs from 'node:fs';
import path from 'node:path';
import type { TenantId } from '../../domain/index.js';
import type { LoadedModelSet } from '../../model/artifact.js';
import { TRAINING_MINIMUM } from '../../model/training-set.js';
import { currentSettings } from '../../settings/index.js';
import type { MonitoringReport } from '../../monitoring/index.js';
import type { ModelSource } from '../../scoring/rescore.js';
import { countTenantData, listAlerts, monitoringReports, type Database, type MonitoringAlert } from '../../store/index.js';
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
  importance: Importance[];
  /** The previous version's importance, when a model registry supplies it; null here. */
  previousImportance: Importance[] | null;
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
  return {
    tenant,
    model: set ? modelSummary(set) : null,
    modelCard: set ? readCard(set.dir) : null,
    importance: set ? featureImportance(set) : [],
    previousImportance: null,
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
 * Importance of each feature in the composite trees: the training weight (hessian cover) of the
 * rows reaching each split on it, as a share of all splits. A model without trees has none.
 */
export function featureImportance(set: LoadedModelSet): Importance[] {
  const model = set.models.composite;
  if (!model.ensemble) return [];
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
