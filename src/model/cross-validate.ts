import { applyCalibration, chooseCalibration } from './calibrate.js';
import type { GbdtParams } from './gbdt/params.js';
import { predictMargin } from './gbdt/predict.js';
import { trainGbdt } from './gbdt/train.js';
import { allMetrics, auc, type Metrics } from './metrics.js';
import { stratifiedFolds } from './tabular.js';
import type { FeatureKind, FeatureMatrix } from './tree.js';

export interface CrossValidation {
  folds: number;
  metrics: Metrics;
  foldAuc: number[];
  /** Out-of-fold: each row predicted by the model that did not see it. */
  fold: Int32Array;
  probability: Float64Array;
}

function rowsOf(matrix: FeatureMatrix, rows: readonly number[]): FeatureMatrix {
  const values = new Float64Array(rows.length * matrix.cols);
  rows.forEach((r, i) => values.set(matrix.values.subarray(r * matrix.cols, (r + 1) * matrix.cols), i * matrix.cols));
  return { rows: rows.length, cols: matrix.cols, values };
}

/**
 * Stratified K-fold cross-validation of the calibrated GBDT: in each fold, a stratified tenth of
 * the training rows stops the boosting and fits the calibration; the fold's own rows are scored
 * by a model that never saw them.
 */
export function crossValidate(
  matrix: FeatureMatrix,
  labels: Uint8Array,
  options: { kinds: FeatureKind[]; categoryCounts: number[]; folds: number; seed: number; params?: Partial<GbdtParams> },
): CrossValidation {
  const fold = stratifiedFolds(labels, options.folds, options.seed);
  const probability = new Float64Array(matrix.rows);
  const foldAuc: number[] = [];
  for (let k = 0; k < options.folds; k++) {
    const outside = Array.from({ length: matrix.rows }, (_, i) => i).filter((i) => fold[i] !== k);
    const inside = Array.from({ length: matrix.rows }, (_, i) => i).filter((i) => fold[i] === k);
    const inner = stratifiedFolds(Uint8Array.from(outside, (i) => labels[i]!), 10, options.seed + k + 1);
    const train = outside.filter((_, j) => inner[j] !== 0);
    const stop = outside.filter((_, j) => inner[j] === 0);
    const pick = (rows: number[]) => ({ matrix: rowsOf(matrix, rows), labels: Uint8Array.from(rows, (i) => labels[i]!) });
    const t = pick(train);
    const v = pick(stop);
    const { ensemble } = trainGbdt(t.matrix, t.labels, {
      kinds: options.kinds,
      categoryCounts: options.categoryCounts,
      validation: v,
      params: { seed: options.seed + k, ...options.params },
    });
    const { calibration } = chooseCalibration(predictMargin(ensemble, v.matrix), v.labels);
    const p = applyCalibration(calibration, predictMargin(ensemble, rowsOf(matrix, inside)));
    inside.forEach((row, j) => (probability[row] = p[j]!));
    foldAuc.push(auc(p, Uint8Array.from(inside, (i) => labels[i]!)));
  }
  return { folds: options.folds, metrics: allMetrics(probability, labels), foldAuc, fold, probability };
}
