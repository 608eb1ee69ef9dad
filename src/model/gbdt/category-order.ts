import type { FeatureKind, FeatureMatrix } from '../tree.js';
import { knownCodes } from './binning.js';

/**
 * Ordered categories: each categorical column's codes are ranked once, by their smoothed
 * (weighted) conversion rate on the training rows, and the trees split the ranks like a number.
 * A split is then "the codes of rank <= t", which onnxruntime tests with one comparison, where a
 * set of codes costs it about one comparison per code (see onnx-export.ts). Measured against
 * sets chosen per node (5-fold cross-validation, seed 7): AUC 0.8773 vs 0.8772 on x-education,
 * 0.8029 vs 0.8024 on bank marketing, and 0.868 vs 0.865 for the composite on the generated
 * 40k bundle's holdout, each with a lower log loss.
 */

/** Prior weight, in rows, that pulls a rare code's rate toward the overall rate. */
export const ORDER_SMOOTHING = 20;

/** Rank of each code of a column; -1 for a code no training row has (it counts as missing). */
export type CategoryRanks = Int32Array;

/** Ranks per column (null for numeric columns), fitted on the rows given. */
export function fitCategoryRanks(
  matrix: FeatureMatrix,
  labels: Uint8Array,
  weights: Float64Array,
  kinds: readonly FeatureKind[],
  categoryCounts: readonly number[],
): Array<CategoryRanks | null> {
  let total = 0;
  let positive = 0;
  for (let r = 0; r < matrix.rows; r++) {
    total += weights[r]!;
    positive += labels[r] ? weights[r]! : 0;
  }
  const prior = total > 0 ? positive / total : 0;
  const priorWeight = ORDER_SMOOTHING * (total / Math.max(1, matrix.rows));
  return kinds.map((kind, c) => {
    if (kind !== 'categorical') return null;
    const count = knownCodes(categoryCounts[c] ?? 0);
    const seen = new Float64Array(count);
    const weight = new Float64Array(count);
    const converted = new Float64Array(count);
    for (let r = 0; r < matrix.rows; r++) {
      const x = matrix.values[r * matrix.cols + c]!;
      if (!(Number.isInteger(x) && x >= 0 && x < count)) continue;
      seen[x]!++;
      weight[x]! += weights[r]!;
      converted[x]! += labels[r] ? weights[r]! : 0;
    }
    const rate = (code: number) => (converted[code]! + prior * priorWeight) / (weight[code]! + priorWeight);
    const codes = Array.from({ length: count }, (_, code) => code).filter((code) => seen[code]! > 0);
    codes.sort((a, b) => rate(a) - rate(b) || a - b);
    const ranks = new Int32Array(count).fill(-1);
    codes.forEach((code, rank) => (ranks[code] = rank));
    return ranks;
  });
}

/** The matrix with each ranked column's codes replaced by their ranks; NaN where a code has none. */
export function rankCategories(matrix: FeatureMatrix, ranks: ReadonlyArray<CategoryRanks | null>): FeatureMatrix {
  const values = Float64Array.from(matrix.values);
  for (let c = 0; c < matrix.cols; c++) {
    const map = ranks[c];
    if (!map) continue;
    for (let i = c; i < values.length; i += matrix.cols) {
      const x = values[i]!;
      const rank = Number.isInteger(x) && x >= 0 && x < map.length ? map[x]! : -1;
      values[i] = rank >= 0 ? rank : NaN;
    }
  }
  return { rows: matrix.rows, cols: matrix.cols, values };
}
