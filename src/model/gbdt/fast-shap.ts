import type { FeatureMatrix, TreeEnsemble } from '../tree.js';
import { categoryTables } from './predict.js';
import type { ShapResult } from './shap.js';

/**
 * The same exact path-dependent TreeSHAP values as shap.ts, computed the "Fast TreeSHAP v2" way
 * (Yang, 2021): for one leaf, a row's contribution to each feature on the leaf's path depends only
 * on which of those features the row agrees with (a bit mask over at most `depth` features), so
 * every leaf's contributions are tabulated once per model for all masks. Scoring a row is then a
 * walk over the leaves reading one table entry per path feature: no recursion, no path weights.
 *
 * For leaf l with unique path features U (k of them), z_j the share of the training cover that
 * follows the path through the splits on j, and o_j = 1 when the row follows them all:
 *   phi_j += v_l (o_j - z_j) * sum over S within U\{j} with o_s = 1 for s in S of
 *            |S|! (k-|S|-1)! / k!  *  product of z_s over s in U\S\{j}
 */
interface LeafTable {
  /** The leaf's node index in its tree. */
  node: number;
  /** The unique path features, by bit. */
  features: Int32Array;
  /** contributions[mask * k + j] */
  contributions: Float64Array;
}

interface TreeTables {
  tree: TreeEnsemble['trees'][number];
  categories: Array<Uint8Array | null>;
  leaves: LeafTable[];
  expected: number;
  /**
   * Nodes other than the root, parents first, with the bit that the parent's feature has in the
   * masks of every leaf below (bits are given in path order, so a shared path prefix shares them)
   * and whether the node is its parent's left child.
   */
  order: Int32Array;
  parent: Int32Array;
  bit: Int32Array;
  isLeft: Uint8Array;
}

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

function leafTables(tree: TreeEnsemble['trees'][number]): LeafTable[] {
  const tables: LeafTable[] = [];
  const walk = (node: number, path: Array<{ node: number; left: boolean }>) => {
    if (tree.feature[node]! >= 0) {
      walk(tree.left[node]!, [...path, { node, left: true }]);
      walk(tree.right[node]!, [...path, { node, left: false }]);
      return;
    }
    const features: number[] = [];
    const zero: number[] = [];
    for (const step of path) {
      const f = tree.feature[step.node]!;
      let bit = features.indexOf(f);
      if (bit === -1) {
        bit = features.length;
        features.push(f);
        zero.push(1);
      }
      const child = step.left ? tree.left[step.node]! : tree.right[step.node]!;
      zero[bit]! *= tree.cover[child]! / tree.cover[step.node]!;
    }
    const k = features.length;
    const value = tree.value[node]!;
    const weight = Array.from({ length: k }, (_, s) => (factorial(s) * factorial(k - s - 1)) / factorial(k));
    const contributions = new Float64Array((1 << k) * Math.max(k, 1));
    for (let mask = 0; mask < 1 << k; mask++) {
      for (let j = 0; j < k; j++) {
        const allowed = mask & ~(1 << j);
        let sum = 0;
        // every subset S of the features the row agrees with (other than j)
        for (let s = allowed; ; s = (s - 1) & allowed) {
          let product = weight[popcount(s)]!;
          for (let b = 0; b < k; b++) if (b !== j && !(s & (1 << b))) product *= zero[b]!;
          sum += product;
          if (s === 0) break;
        }
        const o = mask & (1 << j) ? 1 : 0;
        contributions[mask * k + j] = value * (o - zero[j]!) * sum;
      }
    }
    tables.push({ node, features: Int32Array.from(features), contributions });
  };
  walk(0, []);
  return tables;
}

/** Parents-first order of a tree's non-root nodes with each one's mask bit (see TreeTables). */
function maskOrder(tree: TreeEnsemble['trees'][number]) {
  const order: number[] = [];
  const parent: number[] = [];
  const bit: number[] = [];
  const isLeft: number[] = [];
  const visit = (node: number, features: number[]) => {
    if (tree.feature[node]! < 0) return;
    const f = tree.feature[node]!;
    const b = features.includes(f) ? features.indexOf(f) : features.length;
    const below = features.includes(f) ? features : [...features, f];
    for (const [child, left] of [
      [tree.left[node]!, 1],
      [tree.right[node]!, 0],
    ] as const) {
      order.push(child);
      parent.push(node);
      bit.push(b);
      isLeft.push(left);
      visit(child, below);
    }
  };
  visit(0, []);
  return { order: Int32Array.from(order), parent: Int32Array.from(parent), bit: Int32Array.from(bit), isLeft: Uint8Array.from(isLeft) };
}

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

/** Tables for a whole ensemble; build once per loaded model, then explain any number of rows. */
export class FastTreeShap {
  private readonly trees: TreeTables[];
  /** Per-node masks for one row, reused across calls. */
  private readonly scratch: Int32Array;
  readonly base: number;

  constructor(private readonly ensemble: TreeEnsemble) {
    this.trees = ensemble.trees.map((tree) => {
      let expected = 0;
      for (let i = 0; i < tree.feature.length; i++) if (tree.feature[i]! < 0) expected += (tree.value[i]! * tree.cover[i]!) / tree.cover[0]!;
      return { tree, categories: categoryTables(tree), leaves: leafTables(tree), expected, ...maskOrder(tree) };
    });
    this.base = this.trees.reduce((sum, t) => sum + t.expected, ensemble.baseMargin);
    this.scratch = new Int32Array(Math.max(1, ...ensemble.trees.map((t) => t.feature.length)));
  }

  /**
   * Rows are processed in blocks, tree by tree and leaf by leaf, with tight loops over the rows of
   * the block: the leaf's table stays in cache and the loops have no branches worth predicting.
   */
  values(matrix: FeatureMatrix): ShapResult {
    if (matrix.rows === 1) return { base: this.base, values: this.valuesOfOneRow(matrix.values, matrix.cols) };
    const cols = matrix.cols;
    const out = new Float64Array(matrix.rows * cols);
    // Blocks of up to 256 rows, no larger than the input: a single row (real-time scoring) must not
    // pay for allocating and clearing buffers sized for 256.
    const block = Math.max(1, Math.min(256, matrix.rows));
    const maxNodes = Math.max(1, ...this.trees.map((t) => t.tree.feature.length));
    const agrees = new Uint8Array(maxNodes * block);
    // Per node, the mask bits of the path features the row disagrees with, built parent to child.
    const cleared = new Int32Array(maxNodes * block);
    // Values as float32, the precision thresholds are compared at.
    const x32 = new Float32Array(matrix.values);
    const counts = this.ensemble.categoryCounts;
    // A block's contributions column by column, so each leaf adds into contiguous memory.
    const sums = new Float64Array(cols * block);
    const masks = new Int32Array(block);
    for (let start = 0; start < matrix.rows; start += block) {
      const n = Math.min(block, matrix.rows - start);
      sums.fill(0);
      for (const t of this.trees) {
        const tree = t.tree;
        for (let i = 0; i < tree.feature.length; i++) {
          const f = tree.feature[i]!;
          if (f < 0) continue;
          const base = i * block;
          const table = t.categories[i];
          const missingLeft = tree.missingLeft[i]!;
          if (table) {
            const known = counts[f]!;
            for (let r = 0; r < n; r++) {
              const v = matrix.values[(start + r) * cols + f]!;
              agrees[base + r] = Number.isInteger(v) && v >= 0 && v < known ? table[v]! : missingLeft;
            }
          } else {
            const threshold = tree.threshold[i]!;
            for (let r = 0; r < n; r++) {
              const v = x32[(start + r) * cols + f]!;
              agrees[base + r] = v !== v ? missingLeft : v <= threshold ? 1 : 0;
            }
          }
        }
        cleared.fill(0, 0, n);
        const { order, parent, bit, isLeft } = t;
        for (let o = 0; o < order.length; o++) {
          const node = order[o]! * block;
          const from = parent[o]! * block;
          const flag = 1 << bit[o]!;
          const want = isLeft[o]!;
          for (let r = 0; r < n; r++) cleared[node + r] = cleared[from + r]! | (agrees[from + r] === want ? 0 : flag);
        }
        for (const leaf of t.leaves) {
          const k = leaf.features.length;
          if (k === 0) continue;
          const full = (1 << k) - 1;
          const leafBase = leaf.node * block;
          for (let r = 0; r < n; r++) masks[r] = (full & ~cleared[leafBase + r]!) * k;
          const table = leaf.contributions;
          for (let j = 0; j < k; j++) {
            const column = leaf.features[j]! * block;
            for (let r = 0; r < n; r++) sums[column + r]! += table[masks[r]! + j]!;
          }
        }
      }
      for (let c = 0; c < cols; c++) for (let r = 0; r < n; r++) out[(start + r) * cols + c] = sums[c * block + r]!;
    }
    return { base: this.base, values: out };
  }

  /** The same sums for one row without the block machinery: real-time scoring explains one lead at a time. */
  private valuesOfOneRow(values: Float64Array, cols: number): Float64Array {
    const out = new Float64Array(cols);
    const cleared = this.scratch;
    const counts = this.ensemble.categoryCounts;
    for (const t of this.trees) {
      const tree = t.tree;
      const { order, parent, bit, isLeft } = t;
      cleared[0] = 0;
      for (let o = 0; o < order.length; o++) {
        const from = parent[o]!;
        const f = tree.feature[from]!;
        const v = values[f]!;
        const table = t.categories[from];
        let goesLeft: number;
        if (table) goesLeft = Number.isInteger(v) && v >= 0 && v < counts[f]! ? table[v]! : tree.missingLeft[from]!;
        else goesLeft = v !== v ? tree.missingLeft[from]! : Math.fround(v) <= tree.threshold[from]! ? 1 : 0;
        cleared[order[o]!] = cleared[from]! | (goesLeft === isLeft[o] ? 0 : 1 << bit[o]!);
      }
      for (const leaf of t.leaves) {
        const k = leaf.features.length;
        if (k === 0) continue;
        const at = (((1 << k) - 1) & ~cleared[leaf.node]!) * k;
        const table = leaf.contributions;
        const features = leaf.features;
        for (let j = 0; j < k; j++) out[features[j]!]! += table[at + j]!;
      }
    }
    return out;
  }
}
