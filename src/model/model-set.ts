import { createHash } from 'node:crypto';
import type { FeatureMatrix, FeatureSpec } from '../features/index.js';
import { columnsOfGroup } from '../features/index.js';
import type { LeadHistory } from '../sync/index.js';
import { applyCalibration, chooseCalibration, type Calibration } from './calibrate.js';
import { predictMargin } from './gbdt/predict.js';
import type { GbdtParams } from './gbdt/params.js';
import { trainGbdt } from './gbdt/train.js';
import { predictLogisticMargin, trainLogistic } from './logistic.js';
import { allMetrics, logLoss, type Metrics } from './metrics.js';
import { buildTrainingSet, selectColumns, sliceRows, TRAINING_MINIMUM, type TrainingSet } from './training-set.js';
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
  /** Composite models of their own for company-size bands, where one beat the composite model there. */
  segments: SegmentModels;
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
  /**
   * Calibrated probability at each percentile 0, 1, ..., 100 of the training leads' scores, per
   * model: what "top 20%" means when RevOps set tiers or grades by percentile.
   */
  distribution: Record<ModelName, number[]>;
}

export interface TrainModelSetOptions {
  params?: Partial<GbdtParams>;
  isDefault?: boolean;
  /** Half-life (days) of the weight of older outcomes: what predicts conversion drifts. */
  recencyHalfLifeDays?: number;
  /**
   * Composite models per company-size band: 'auto' keeps one only where it is clearly better on the
   * band's newest outcomes, 'all' gives every band with enough outcomes its own, 'off' none.
   */
  segments?: 'auto' | 'all' | 'off';
  now?: Date;
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function percentiles(sorted: Float64Array): number[] {
  return Array.from({ length: 101 }, (_, q) => (q === 100 ? sorted[sorted.length - 1]! : quantile(sorted, q / 100)));
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
  const holdoutOfComposite: { probability: Float64Array<ArrayBufferLike> } = { probability: new Float64Array(0) };
  for (const name of MODEL_NAMES) {
    const columns = groups[name];
    const matrix = selectColumns(set.matrix, columns);
    const fitted = trainCalibrated(matrix, set.labels, set.weights, trainEnd, validEnd, {
      kinds: columns.map((c) => kinds[c]!),
      categoryCounts: columns.map((c) => counts[c]!),
      params: options.params,
    });
    models[name] = {
      name,
      columns,
      featureNames: columns.map((c) => set.spec.features[c]!.name),
      ensemble: fitted.ensemble,
      calibration: fitted.calibration,
      holdout: allMetrics(fitted.holdoutProbability, set.labels.subarray(validEnd, n)),
    };
    if (name === 'composite') holdoutOfComposite.probability = fitted.holdoutProbability;
    scoresOfAll[name] = applyCalibration(fitted.calibration, predictMargin(fitted.ensemble, matrix)).sort();
  }
  const segments = trainSegments(set, models.composite, holdoutOfComposite.probability, trainEnd, validEnd, kinds, counts, options.params, options.segments ?? 'auto');

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
    segments,
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
    distribution: {
      fit: percentiles(scoresOfAll.fit),
      engagement: percentiles(scoresOfAll.engagement),
      composite: percentiles(scoresOfAll.composite),
    },
  };
}

interface Fitted {
  ensemble: TreeEnsemble;
  calibration: Calibration;
  /** Calibrated probabilities of the rows from `validEnd` on, by the model grown on rows before `trainEnd`. */
  holdoutProbability: Float64Array;
}

/**
 * Grow trees on rows [0, trainEnd), stop them and fit the calibration on [trainEnd, validEnd),
 * measure on [validEnd, rows); then grow the shipped trees again on every row.
 */
function trainCalibrated(
  matrix: FeatureMatrix,
  labels: Uint8Array,
  weights: Float64Array,
  trainEnd: number,
  validEnd: number,
  shape: { kinds: FeatureKind[]; categoryCounts: number[]; params: Partial<GbdtParams> | undefined },
): Fitted {
  const n = matrix.rows;
  const part = (from: number, to: number) => ({ matrix: sliceRows(matrix, from, to), labels: labels.subarray(from, to), weights: weights.subarray(from, to) });
  const train = part(0, trainEnd);
  const validation = part(trainEnd, validEnd);
  const { ensemble } = trainGbdt(train.matrix, train.labels, { ...shape, weights: train.weights, validation, params: shape.params });
  const { calibration } = chooseCalibration(predictMargin(ensemble, validation.matrix), validation.labels);
  const holdoutProbability = applyCalibration(calibration, predictMargin(ensemble, sliceRows(matrix, validEnd, n)));
  // The newest outcomes matter most (what predicts conversion drifts), so the model that ships
  // is grown again on every row, as many trees as the time split found best.
  const final = trainGbdt(matrix, labels, {
    ...shape,
    weights,
    params: { ...shape.params, maxTrees: ensemble.trees.length, earlyStoppingRounds: 0 },
  }).ensemble;
  return { ensemble: final, calibration, holdoutProbability };
}

/** Company-size bands, from the employees_log10 feature: upper edges of 1-49 and 50-499 employees. */
export const SIZE_BANDS = ['unknown', '1-49', '50-499', '500+'] as const;
export type SizeBand = (typeof SIZE_BANDS)[number];

export function sizeBand(employeesLog10: number): SizeBand {
  if (Number.isNaN(employeesLog10)) return 'unknown';
  const employees = 10 ** employeesLog10 - 1;
  return employees < 49.5 ? '1-49' : employees < 499.5 ? '50-499' : '500+';
}

export interface SegmentModels {
  feature: 'employees_log10';
  /** What was tried for each band, and why it is or is not used. */
  considered: Array<{ band: SizeBand; outcomes: number; used: boolean; why: string; globalLogLoss?: number; segmentLogLoss?: number }>;
  models: Partial<Record<SizeBand, TrainedModel>>;
}

/**
 * A composite model per company-size band where the data supports one: enough outcomes of both
 * kinds in the band, and a lower log loss than the composite model on the band's newest outcomes
 * (the same rows both were measured on). Otherwise the band keeps the composite model.
 */
function trainSegments(
  set: TrainingSet,
  composite: TrainedModel,
  compositeHoldout: Float64Array,
  trainEnd: number,
  validEnd: number,
  kinds: FeatureKind[],
  counts: number[],
  params: Partial<GbdtParams> | undefined,
  mode: 'auto' | 'all' | 'off',
): SegmentModels {
  const column = set.spec.features.findIndex((f) => f.name === 'employees_log10');
  const result: SegmentModels = { feature: 'employees_log10', considered: [], models: {} };
  if (column === -1 || mode === 'off') return result;
  const n = set.matrix.rows;
  const bands = Array.from({ length: n }, (_, r) => sizeBand(set.matrix.values[r * set.matrix.cols + column]!));
  const m = TRAINING_MINIMUM;
  for (const band of SIZE_BANDS) {
    const rows = bands.flatMap((b, r) => (b === band ? [r] : []));
    const labels = Uint8Array.from(rows, (r) => set.labels[r]!);
    const positives = labels.reduce((a, b) => a + b, 0);
    const entry: SegmentModels['considered'][number] = { band, outcomes: rows.length, used: false, why: '' };
    result.considered.push(entry);
    if (rows.length < m.outcomes * 3 || positives < m.conversions * 3 || rows.length - positives < m.nonConversions * 3) {
      entry.why = `too few outcomes for a model of its own (${rows.length}, ${positives} converted)`;
      continue;
    }
    const bandTrainEnd = rows.findIndex((r) => r >= trainEnd);
    const bandValidEnd = rows.findIndex((r) => r >= validEnd);
    const validLabels = labels.subarray(bandTrainEnd, bandValidEnd);
    const holdoutLabels = labels.subarray(bandValidEnd);
    const both = (ys: Uint8Array) => ys.length > 0 && ys.some((y) => y === 1) && ys.some((y) => y === 0);
    if (bandTrainEnd <= 0 || bandValidEnd <= bandTrainEnd || !both(validLabels) || !both(holdoutLabels)) {
      entry.why = 'its outcomes do not cover every part of the time split';
      continue;
    }
    const matrix = selectColumns(rowsOf(set.matrix, rows), composite.columns);
    const fitted = trainCalibrated(matrix, labels, Float64Array.from(rows, (r) => set.weights[r]!), bandTrainEnd, bandValidEnd, {
      kinds: composite.columns.map((c) => kinds[c]!),
      categoryCounts: composite.columns.map((c) => counts[c]!),
      params,
    });
    const globalProbability = Float64Array.from(rows.slice(bandValidEnd), (r) => compositeHoldout[r - validEnd]!);
    entry.globalLogLoss = logLoss(globalProbability, holdoutLabels);
    entry.segmentLogLoss = logLoss(fitted.holdoutProbability, holdoutLabels);
    // In 'auto', a model of its own must earn its place on rows neither saw: lower log loss by more
    // than twice the standard error of the per-lead difference, so a lucky sample does not count.
    const better = significantlyBetter(fitted.holdoutProbability, globalProbability, holdoutLabels);
    if (mode === 'all' || better) {
      entry.used = true;
      entry.why = better ? "clearly lower log loss than the composite model on the band's newest outcomes" : 'every band with enough outcomes gets its own model (segments: all)';
      result.models[band] = {
        ...composite,
        ensemble: fitted.ensemble,
        calibration: fitted.calibration,
        holdout: allMetrics(fitted.holdoutProbability, holdoutLabels),
      };
    } else {
      entry.why = "not clearly better than the composite model on the band's newest outcomes";
    }
  }
  return result;
}

function rowsOf(matrix: FeatureMatrix, rows: readonly number[]): FeatureMatrix {
  const values = new Float64Array(rows.length * matrix.cols);
  rows.forEach((r, i) => values.set(matrix.values.subarray(r * matrix.cols, (r + 1) * matrix.cols), i * matrix.cols));
  return { rows: rows.length, cols: matrix.cols, values };
}

/** Whether `a` has a lower log loss than `b` by more than two standard errors of the paired difference. */
function significantlyBetter(a: ArrayLike<number>, b: ArrayLike<number>, labels: ArrayLike<number>): boolean {
  const n = labels.length;
  const loss = (p: number, y: number) => -Math.log(Math.min(1 - 1e-15, Math.max(1e-15, y ? p : 1 - p)));
  const d = Array.from({ length: n }, (_, i) => loss(b[i]!, labels[i]!) - loss(a[i]!, labels[i]!));
  const mean = d.reduce((s, x) => s + x, 0) / n;
  const variance = d.reduce((s, x) => s + (x - mean) ** 2, 0) / Math.max(1, n - 1);
  return mean > 2 * Math.sqrt(variance / n);
}
