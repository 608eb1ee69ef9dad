import { createHash } from 'node:crypto';
import type { FeatureSpec } from '../features/index.js';
import { columnsOfGroup } from '../features/index.js';
import type { LeadHistory } from '../sync/index.js';
import { applyCalibration, chooseCalibration, type Calibration } from './calibrate.js';
import { predictMargin } from './gbdt/predict.js';
import type { GbdtParams } from './gbdt/params.js';
import { trainGbdt } from './gbdt/train.js';
import { predictLogisticMargin, trainLogistic } from './logistic.js';
import { allMetrics, type Metrics } from './metrics.js';
import { buildTrainingSet, selectColumns, sliceRows } from './training-set.js';
import type { FeatureKind, TreeEnsemble } from './tree.js';

export const MODEL_NAMES = ['fit', 'engagement', 'composite'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export interface TrainedModel {
  name: ModelName;
  /** Columns of the feature spec this model reads, in its input order. */
  columns: number[];
  featureNames: string[];
  ensemble: TreeEnsemble;
  calibration: Calibration;
  /** Calibrated quality on the newest outcomes, which no part of training saw. */
  holdout: Metrics;
}

export interface ModelSet {
  version: string;
  createdAt: string;
  /** A model shipped with Leadscore for tenants without enough outcomes of their own. */
  isDefault: boolean;
  spec: FeatureSpec;
  models: Record<ModelName, TrainedModel>;
  /** The regularized logistic regression on the composite features, measured on the same holdout. */
  baseline: { logistic: Metrics };
  training: {
    outcomes: number;
    conversions: number;
    from: string;
    to: string;
    /** Rows used to grow trees, to stop and calibrate, and to measure: in time order. */
    split: { train: number; validation: number; holdout: number };
    dataHash: string;
  };
  /** Cut-offs from the calibrated scores of the training outcomes, for grades and tiers. */
  thresholds: {
    /** Fit probability at the 75th, 50th and 25th percentile: letters A, B, C above, D below. */
    fit: [number, number, number];
    engagement: [number, number, number];
    /** Composite probability at the 80th and 50th percentile: Hot above the first, Warm above the second. */
    composite: [number, number];
  };
}

export interface TrainModelSetOptions {
  params?: Partial<GbdtParams>;
  isDefault?: boolean;
  /** Half-life (days) of the weight of older outcomes: what predicts conversion drifts. */
  recencyHalfLifeDays?: number;
  now?: Date;
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/**
 * Train the fit, engagement and composite models from leads with outcomes. Rows are in outcome
 * order: the oldest 80% grow the trees, the next 10% stop the growth and fit the calibration, the
 * newest 10% measure the result, unseen by everything else (a time split, as scoring is too).
 * The shipped trees are then grown again on all rows with the number of trees found.
 */
export function trainModelSet(histories: readonly LeadHistory[], options: TrainModelSetOptions = {}): ModelSet {
  const set = buildTrainingSet(histories, { recencyHalfLifeDays: options.recencyHalfLifeDays ?? 365 });
  const n = set.matrix.rows;
  const trainEnd = Math.floor(n * 0.8);
  const validEnd = Math.floor(n * 0.9);
  const kinds: FeatureKind[] = set.spec.features.map((f) => f.kind);
  const counts = set.spec.features.map((f) => f.categories?.length ?? 0);
  const allColumns = set.spec.features.map((_, i) => i);
  const groups: Record<ModelName, number[]> = {
    fit: columnsOfGroup(set.spec, 'fit'),
    engagement: columnsOfGroup(set.spec, 'engagement'),
    composite: allColumns,
  };

  const models = {} as Record<ModelName, TrainedModel>;
  const scoresOfAll = {} as Record<ModelName, Float64Array>;
  for (const name of MODEL_NAMES) {
    const columns = groups[name];
    const matrix = selectColumns(set.matrix, columns);
    const part = (from: number, to: number) => ({ matrix: sliceRows(matrix, from, to), labels: set.labels.subarray(from, to), weights: set.weights.subarray(from, to) });
    const train = part(0, trainEnd);
    const validation = part(trainEnd, validEnd);
    const holdout = part(validEnd, n);
    const { ensemble } = trainGbdt(train.matrix, train.labels, {
      kinds: columns.map((c) => kinds[c]!),
      categoryCounts: columns.map((c) => counts[c]!),
      weights: train.weights,
      validation,
      params: options.params,
    });
    const { calibration } = chooseCalibration(predictMargin(ensemble, validation.matrix), validation.labels);
    const holdoutProbability = applyCalibration(calibration, predictMargin(ensemble, holdout.matrix));
    // The newest outcomes matter most (what predicts conversion drifts), so the model that ships
    // is grown again on every row, as many trees as the time split found best; the measured
    // figures and the calibration come from the split.
    const final = trainGbdt(matrix, set.labels, {
      kinds: columns.map((c) => kinds[c]!),
      categoryCounts: columns.map((c) => counts[c]!),
      weights: set.weights,
      params: { ...options.params, maxTrees: ensemble.trees.length, earlyStoppingRounds: 0 },
    }).ensemble;
    models[name] = {
      name,
      columns,
      featureNames: columns.map((c) => set.spec.features[c]!.name),
      ensemble: final,
      calibration,
      holdout: allMetrics(holdoutProbability, holdout.labels),
    };
    scoresOfAll[name] = applyCalibration(calibration, predictMargin(final, matrix)).sort();
  }

  const composite = models.composite;
  const logisticRows = selectColumns(set.matrix, composite.columns);
  const logistic = trainLogistic(sliceRows(logisticRows, 0, validEnd), set.labels.subarray(0, validEnd), {
    kinds: composite.columns.map((c) => kinds[c]!),
    categoryCounts: composite.columns.map((c) => counts[c]!),
    weights: set.weights.subarray(0, validEnd),
  });
  const logisticHoldout = predictLogisticMargin(logistic, sliceRows(logisticRows, validEnd, n)).map((m) => 1 / (1 + Math.exp(-m)));

  const hash = createHash('sha256');
  hash.update(set.spec.version);
  hash.update(set.leadIds.join('\n'));
  hash.update(set.labels);
  hash.update(new Uint8Array(set.times.buffer));
  const dataHash = hash.digest('hex');
  const createdAt = (options.now ?? new Date()).toISOString();
  const conversions = set.labels.reduce((a, b) => a + b, 0);
  return {
    version: `${createdAt.slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}-${dataHash.slice(0, 8)}`,
    createdAt,
    isDefault: options.isDefault ?? false,
    spec: set.spec,
    models,
    baseline: { logistic: allMetrics(logisticHoldout, set.labels.subarray(validEnd, n)) },
    training: {
      outcomes: n,
      conversions,
      from: new Date(set.times[0]!).toISOString(),
      to: new Date(set.times[n - 1]!).toISOString(),
      split: { train: trainEnd, validation: validEnd - trainEnd, holdout: n - validEnd },
      dataHash,
    },
    thresholds: {
      fit: [quantile(scoresOfAll.fit, 0.75), quantile(scoresOfAll.fit, 0.5), quantile(scoresOfAll.fit, 0.25)],
      engagement: [quantile(scoresOfAll.engagement, 0.75), quantile(scoresOfAll.engagement, 0.5), quantile(scoresOfAll.engagement, 0.25)],
      composite: [quantile(scoresOfAll.composite, 0.8), quantile(scoresOfAll.composite, 0.5)],
    },
  };
}
