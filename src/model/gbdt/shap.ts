import type { FeatureMatrix, Tree, TreeEnsemble } from '../tree.js';
import { categoryTables, goesLeft } from './predict.js';

/**
 * Exact path-dependent TreeSHAP (Lundberg, Erion and Lee, "Consistent individualized feature
 * attribution for tree ensembles", 2018, algorithm 2): each feature's share of a row's margin,
 * with the expectation over a feature taken along the tree's own cover. For every row,
 * base + sum(values of the row) equals the model's margin.
 *
 * The path of unique features is kept in flat typed arrays, one segment per depth, so a row costs
 * no allocation.
 */
export interface ShapResult {
  /** Expected margin: the ensemble's base margin plus each tree's cover-weighted mean leaf. */
  base: number;
  /** rows x cols contributions, row-major. */
  values: Float64Array;
}

class PathScratch {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;

  constructor(maxDepth: number) {
    // Segments of 1, 2, ... maxDepth + 1 path elements, one after another.
    const size = ((maxDepth + 2) * (maxDepth + 3)) / 2;
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }
}

function depthOf(tree: Tree, node = 0): number {
  return tree.feature[node]! < 0 ? 0 : 1 + Math.max(depthOf(tree, tree.left[node]!), depthOf(tree, tree.right[node]!));
}

/** The cover-weighted mean of a tree's leaves: its expected contribution. */
function expectedValue(tree: Tree): number {
  let sum = 0;
  for (let i = 0; i < tree.feature.length; i++) if (tree.feature[i]! < 0) sum += tree.value[i]! * tree.cover[i]!;
  return sum / tree.cover[0]!;
}

export function shapValues(ensemble: TreeEnsemble, matrix: FeatureMatrix): ShapResult {
  const cols = matrix.cols;
  const values = new Float64Array(matrix.rows * cols);
  let base = ensemble.baseMargin;
  const maxDepth = Math.max(0, ...ensemble.trees.map((t) => depthOf(t)));
  const s = new PathScratch(maxDepth);
  for (const tree of ensemble.trees) {
    base += expectedValue(tree);
    const tables = categoryTables(tree);
    for (let r = 0; r < matrix.rows; r++) {
      const offset = r * cols;
      const phi = values.subarray(offset, offset + cols);
      recurse(ensemble, tree, tables, matrix.values, offset, phi, s, 0, 0, 0, 1, 1, -1);
    }
  }
  return { base, values };
}

function extend(s: PathScratch, at: number, depth: number, zero: number, one: number, feature: number): void {
  const p = at + depth;
  s.feature[p] = feature;
  s.zero[p] = zero;
  s.one[p] = one;
  s.weight[p] = depth === 0 ? 1 : 0;
  for (let i = depth - 1; i >= 0; i--) {
    s.weight[at + i + 1]! += (one * s.weight[at + i]! * (i + 1)) / (depth + 1);
    s.weight[at + i] = (zero * s.weight[at + i]! * (depth - i)) / (depth + 1);
  }
}

function unwind(s: PathScratch, at: number, depth: number, index: number): void {
  const one = s.one[at + index]!;
  const zero = s.zero[at + index]!;
  let next = s.weight[at + depth]!;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = s.weight[at + i]!;
      s.weight[at + i] = (next * (depth + 1)) / ((i + 1) * one);
      next = tmp - (s.weight[at + i]! * zero * (depth - i)) / (depth + 1);
    } else {
      s.weight[at + i] = (s.weight[at + i]! * (depth + 1)) / (zero * (depth - i));
    }
  }
  for (let i = index; i < depth; i++) {
    s.feature[at + i] = s.feature[at + i + 1]!;
    s.zero[at + i] = s.zero[at + i + 1]!;
    s.one[at + i] = s.one[at + i + 1]!;
  }
}

/** Sum of the path weights with element `index` unwound, without changing the path. */
function unwoundSum(s: PathScratch, at: number, depth: number, index: number): number {
  const one = s.one[at + index]!;
  const zero = s.zero[at + index]!;
  let next = s.weight[at + depth]!;
  let total = 0;
  for (let i = depth - 1; i >= 0; i--) {
    if (one !== 0) {
      const tmp = (next * (depth + 1)) / ((i + 1) * one);
      total += tmp;
      next = s.weight[at + i]! - (tmp * zero * (depth - i)) / (depth + 1);
    } else {
      total += s.weight[at + i]! / zero / ((depth - i) / (depth + 1));
    }
  }
  return total;
}

function recurse(
  ensemble: TreeEnsemble,
  tree: Tree,
  tables: Array<Uint8Array | null>,
  x: ArrayLike<number>,
  offset: number,
  phi: Float64Array,
  s: PathScratch,
  node: number,
  parentAt: number,
  depth: number,
  zero: number,
  one: number,
  feature: number,
): void {
  // This call's path segment follows the parent's; copy the parent's path into it.
  const at = parentAt + depth;
  if (depth > 0) {
    s.feature.copyWithin(at, parentAt, parentAt + depth);
    s.zero.copyWithin(at, parentAt, parentAt + depth);
    s.one.copyWithin(at, parentAt, parentAt + depth);
    s.weight.copyWithin(at, parentAt, parentAt + depth);
  }
  extend(s, at, depth, zero, one, feature);
  const split = tree.feature[node]!;
  if (split < 0) {
    const leafValue = tree.value[node]!;
    for (let i = 1; i <= depth; i++) {
      const w = unwoundSum(s, at, depth, i);
      phi[s.feature[at + i]!]! += w * (s.one[at + i]! - s.zero[at + i]!) * leafValue;
    }
    return;
  }
  const left = goesLeft(ensemble, tree, tables, x, offset, node);
  const hot = left ? tree.left[node]! : tree.right[node]!;
  const cold = left ? tree.right[node]! : tree.left[node]!;
  const cover = tree.cover[node]!;
  let incomingZero = 1;
  let incomingOne = 1;
  let d = depth;
  let k = 0;
  while (k <= d && s.feature[at + k] !== split) k++;
  if (k <= d) {
    incomingZero = s.zero[at + k]!;
    incomingOne = s.one[at + k]!;
    unwind(s, at, d, k);
    d--;
  }
  recurse(ensemble, tree, tables, x, offset, phi, s, hot, at, d + 1, (tree.cover[hot]! / cover) * incomingZero, incomingOne, split);
  recurse(ensemble, tree, tables, x, offset, phi, s, cold, at, d + 1, (tree.cover[cold]! / cover) * incomingZero, 0, split);
}
