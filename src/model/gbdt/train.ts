import type { FeatureKind, FeatureMatrix, Tree, TreeEnsemble } from '../tree.js';
import { applyBins, fitBins, HIST_BINS, knownCodes, type BinnedMatrix, type ColumnBins } from './binning.js';
import { fitCategoryRanks, rankCategories, type CategoryRanks } from './category-order.js';
import { leafOf, TreeGrower, type GrowthTree } from './grow.js';
import { resolveParams, type GbdtParams } from './params.js';

export interface TrainGbdtOptions {
  kinds: readonly FeatureKind[];
  /** For each categorical column, how many codes it has. */
  categoryCounts: readonly number[];
  weights?: Float64Array;
  /** Rows to stop on: the caller makes them later in time than the training rows. */
  validation?: { matrix: FeatureMatrix; labels: Uint8Array; weights?: Float64Array };
  params?: Partial<GbdtParams>;
  /**
   * 'ordered' (the default): categories ranked once by conversion rate, split like a number (see
   * category-order.ts). 'sets': each node picks its own set of categories.
   */
  categorySplits?: 'ordered' | 'sets';
}

export interface TrainGbdtResult {
  ensemble: TreeEnsemble;
  params: GbdtParams;
  history: { trainLoss: number[]; validLoss: number[] };
  /** Number of trees kept (the best validation loss, or all without validation). */
  trees: number;
}

function checkInputs(matrix: FeatureMatrix, labels: Uint8Array, options: TrainGbdtOptions, what: string): void {
  if (matrix.rows === 0) throw new Error(`${what}: no rows to train on`);
  if (matrix.values.length !== matrix.rows * matrix.cols) throw new Error(`${what}: the matrix has ${matrix.values.length} values, not rows x cols`);
  if (labels.length !== matrix.rows) throw new Error(`${what}: ${matrix.rows} rows but ${labels.length} labels`);
  if (options.kinds.length !== matrix.cols) throw new Error(`${what}: ${matrix.cols} columns but ${options.kinds.length} column kinds`);
  for (let i = 0; i < labels.length; i++) if (labels[i] !== 0 && labels[i] !== 1) throw new Error(`${what}: label ${labels[i]} at row ${i} is not 0 or 1`);
}

function weightedLogLoss(margin: Float64Array, labels: Uint8Array, weights: Float64Array): number {
  let sum = 0;
  let total = 0;
  for (let i = 0; i < margin.length; i++) {
    const m = margin[i]!;
    // log(1 + e^-|m|) form: no overflow for large margins
    const loss = Math.max(m, 0) - (labels[i] ? m : 0) + Math.log1p(Math.exp(-Math.abs(m)));
    sum += weights[i]! * loss;
    total += weights[i]!;
  }
  return sum / total;
}

/** A seeded source of [0, 1) numbers (xorshift128+ reduced to 32-bit state words). */
function random(seed: number): () => number {
  let a = (seed ^ 0x9e3779b9) >>> 0 || 1;
  let b = Math.imul(seed + 1, 0x85ebca6b) >>> 0 || 2;
  return () => {
    let t = a;
    const s = b;
    a = s;
    t ^= t << 11;
    t ^= t >>> 8;
    b = (t ^ s ^ (s >>> 19)) >>> 0;
    return b / 4294967296;
  };
}

/** Choose k of n indices (sorted), or all of them. */
function sample(n: number, share: number, next: () => number): Int32Array {
  if (share >= 1) {
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    return all;
  }
  const k = Math.max(1, Math.round(n * share));
  const chosen = new Uint8Array(n);
  let picked = 0;
  for (let i = 0; i < n && picked < k; i++) {
    // selection sampling: each index is kept with probability (needed / remaining)
    if (next() * (n - i) < k - picked) {
      chosen[i] = 1;
      picked++;
    }
  }
  const out = new Int32Array(k);
  for (let i = 0, j = 0; i < n; i++) if (chosen[i]) out[j++] = i;
  return out;
}

/**
 * Gradient-boosted trees for binary log loss on histograms of binned features. Missing values
 * learn their direction at each split; categorical columns split into sets of categories.
 */
export function trainGbdt(matrix: FeatureMatrix, labels: Uint8Array, options: TrainGbdtOptions): TrainGbdtResult {
  checkInputs(matrix, labels, options, 'training data');
  if (options.validation) checkInputs(options.validation.matrix, options.validation.labels, options, 'validation data');
  const params = resolveParams(options.params);
  const n = matrix.rows;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i]!;
  if (positives === 0 || positives === n) {
    throw new Error(`training data has only ${positives === 0 ? 'non-converted' : 'converted'} rows: a model needs both outcomes`);
  }
  const rowWeights = (given: Float64Array | undefined, ys: Uint8Array, what: string) => {
    const w = new Float64Array(ys.length);
    const positiveWeight = params.positiveWeight === 'balanced' ? (n - positives) / positives : params.positiveWeight;
    for (let i = 0; i < ys.length; i++) {
      const base = given ? given[i]! : 1;
      if (!Number.isFinite(base) || base < 0) throw new Error(`${what}: weight ${base} at row ${i} is not a finite non-negative number`);
      w[i] = base * (ys[i] ? positiveWeight : 1);
    }
    return w;
  };
  const weights = rowWeights(options.weights, labels, 'training data');
  const validation = options.validation;
  const validWeights = validation ? rowWeights(validation.weights, validation.labels, 'validation data') : null;

  let wp = 0;
  let wn = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i]) wp += weights[i]!;
    else wn += weights[i]!;
  }
  if (wp <= 0 || wn <= 0) throw new Error('the weights leave one outcome with no weight at all');
  const baseMargin = Math.log(wp / wn);
  const validMargin = validation ? new Float64Array(validation.matrix.rows).fill(baseMargin) : null;
  const next = random(params.seed);
  const ranks = (options.categorySplits ?? 'ordered') === 'ordered' && options.kinds.includes('categorical')
    ? fitCategoryRanks(matrix, labels, weights, options.kinds, options.categoryCounts)
    : null;
  const kinds = ranks ? options.kinds.map((kind): FeatureKind => (kind === 'categorical' ? 'numeric' : kind)) : options.kinds;
  const rows = ranks ? rankCategories(matrix, ranks) : matrix;
  const validRows = validation && ranks ? rankCategories(validation.matrix, ranks) : validation?.matrix;
  // The histogram threads start first: they get ready while the data is binned.
  const grower = new TreeGrower({ rows: n, kinds }, params, labels, weights);
  const grown: GrowthTree[] = [];
  const history = { trainLoss: [] as number[], validLoss: [] as number[] };
  let best = { loss: Infinity, trees: 0 };
  let columns: ColumnBins[] = [];

  try {
    columns = fitBins(rows, kinds, options.categoryCounts, params.maxBins);
    const data = applyBins(rows, columns);
    const validData = validRows ? applyBins(validRows, columns) : null;
    grower.useBins(data, columns);
    const margin = grower.margin;
    margin.fill(baseMargin);
    grower.updateGradients();
    for (let t = 0; t < params.maxTrees; t++) {
      const sampled = sample(n, params.rowSubsample, next);
      const features = sample(matrix.cols, params.colSubsample, next);
      const tree = grower.grow(sampled, features);
      grown.push(tree);
      // With every row in the tree, the grower knows each row's leaf already.
      if (sampled.length === n) grower.addToMargin(tree, margin);
      else addTree(tree, data, margin);
      // the loss after this tree, and the gradients for the next
      history.trainLoss.push(grower.updateGradients());
      if (validData && validMargin && validation && validWeights) {
        addTree(tree, validData, validMargin);
        const loss = weightedLogLoss(validMargin, validation.labels, validWeights);
        history.validLoss.push(loss);
        if (loss < best.loss - 1e-12) best = { loss, trees: t + 1 };
        else if (params.earlyStoppingRounds > 0 && t + 1 - best.trees >= params.earlyStoppingRounds) break;
      }
    }
  } finally {
    grower.close();
  }
  const kept = validation ? best.trees : grown.length;
  return {
    ensemble: {
      kind: 'gbdt',
      baseMargin,
      trees: grown.slice(0, Math.max(1, kept)).map((tree) => toTree(tree, columns, ranks)),
      featureKinds: [...options.kinds],
      categoryCounts: options.kinds.map((kind, c) => (kind === 'categorical' ? knownCodes(options.categoryCounts[c] ?? 0) : 0)),
      ...(ranks ? { categoryRanks: ranks.map((r) => (r ? Array.from(r) : null)) } : {}),
    },
    params,
    history,
    trees: Math.max(1, kept),
  };
}

function addTree(tree: GrowthTree, data: BinnedMatrix, margin: Float64Array): void {
  for (let r = 0; r < data.rows; r++) margin[r]! += tree.value[leafOf(tree, data, r)]!;
}

/**
 * The growth tree in the shared model shape: bins become float32 thresholds and code sets. A
 * split on ranked categories becomes the set of codes it sends left: those of rank up to the
 * threshold, and the unranked ones (missing to the trees) when missing values go left.
 */
function toTree(tree: GrowthTree, columns: readonly ColumnBins[], ranks: ReadonlyArray<CategoryRanks | null> | null): Tree {
  const size = tree.feature.length;
  const out: Tree = {
    feature: Int32Array.from(tree.feature),
    threshold: new Float64Array(size),
    categoriesLeft: new Array<Int32Array | null>(size).fill(null),
    missingLeft: Uint8Array.from(tree.missingLeft),
    left: Int32Array.from(tree.left),
    right: Int32Array.from(tree.right),
    value: Float64Array.from(tree.value),
    cover: Float64Array.from(tree.cover),
  };
  for (let i = 0; i < size; i++) {
    const f = tree.feature[i]!;
    if (f < 0) {
      out.feature[i] = -1;
      continue;
    }
    const left = tree.leftBins[i];
    const ranked = ranks?.[f];
    if (ranked) {
      const threshold = columns[f]!.edges[tree.splitBin[i]!]!;
      const missingLeft = tree.missingLeft[i] === 1;
      const codes: number[] = [];
      ranked.forEach((rank, code) => {
        if (rank >= 0 ? Math.fround(rank) <= threshold : missingLeft) codes.push(code);
      });
      out.categoriesLeft[i] = Int32Array.from(codes);
    } else if (left) {
      const codes: number[] = [];
      for (let b = 0; b < HIST_BINS; b++) if (left[b]) codes.push(b);
      out.categoriesLeft[i] = Int32Array.from(codes);
    } else {
      out.threshold[i] = columns[f]!.edges[tree.splitBin[i]!]!;
    }
  }
  return out;
}
