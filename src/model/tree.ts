/**
 * The shape every tree model takes, shared by the trainer, the predictor, the explainer and the
 * ONNX exporter. The predictor and the exporter import this file only, never training code.
 *
 * Input rows are feature vectors of float64 where NaN means missing. A categorical feature holds
 * a non-negative integer code (its vocabulary lives in the feature spec); a code the model never
 * saw counts as missing.
 *
 * Node i of a tree is a split when feature[i] >= 0, a leaf when feature[i] === -1.
 *  - numeric split: left when fround(x) <= threshold[i] (thresholds are float32 values, so that
 *    onnxruntime, which compares in float32, takes exactly the same branches);
 *  - categorical split (categoriesLeft[i] !== null): left when x's code is in categoriesLeft[i];
 *  - missing (NaN, or an unseen category): left when missingLeft[i] === 1.
 * value[i] is a leaf's contribution to the raw margin (log-odds); cover[i] is the sum of hessians
 * of the training rows that reached node i (TreeSHAP weights paths by it).
 */
export interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  categoriesLeft: Array<Int32Array | null>;
  missingLeft: Uint8Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  cover: Float64Array;
}

export type FeatureKind = 'numeric' | 'categorical';

export interface TreeEnsemble {
  kind: 'gbdt';
  /** Margin before any tree: the log-odds of the (weighted) base rate. */
  baseMargin: number;
  trees: Tree[];
  /** Kind of each input column, in input order. */
  featureKinds: FeatureKind[];
  /** For each categorical input column, how many codes it has (codes >= this are unseen). */
  categoryCounts: number[];
  /**
   * For a model trained on ordered categories (gbdt/category-order.ts): each categorical column's
   * rank of every code, -1 for a code no training row had; null for other columns. Every split on
   * such a column sends left the codes of rank up to some r, plus the unranked codes when missing
   * values go left. The trees' sets already say this; the ONNX export uses the ranks to test each
   * split with one comparison.
   */
  categoryRanks?: Array<number[] | null>;
}

/** A dense feature matrix, row-major, NaN for missing. */
export interface FeatureMatrix {
  rows: number;
  cols: number;
  values: Float64Array;
}
