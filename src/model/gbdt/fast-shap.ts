import type { FeatureMatrix, TreeEnsemble } from '../tree.js';
import { categoryTables } from './predict.js';
import type { ShapResult } from './shap.js';

/**
 * The same exact path-dependent TreeSHAP values as shap.ts, computed the "Fast TreeSHAP v2" way
 * (Yang, 2021): for one leaf, a row's contribution to each feature on the leaf's path depends only
 * on which of those features the row agrees with (a bit mask over at most `depth` features), so
 * every leaf's contributions are tabulated once per model for all masks.
 *
 * For leaf l with unique path features U (k of them), z_j the share of the training cover that
 * follows the path through the splits on j, and o_j = 1 when the row follows them all:
 *   phi_j += v_l (o_j - z_j) * sum over S within U\{j} with o_s = 1 for s in S of
 *            |S|! (k-|S|-1)! / k!  *  product of z_s over s in U\S\{j}
 *
 * One step further than the paper: the leaves under a node g are summed into one table indexed by
 * the row's agreement with g's path features and its direction at each split below g. A lower
 * subtree of a depth-6 tree then costs one lookup and about 7 additions instead of 4 leaves x 6,
 * which is most of the work of explaining a row. Groups are kept to MAX_GROUP_BITS index bits so a
 * model's tables stay within tens of megabytes.
 */
const MAX_GROUP_BITS = 8;

interface LeafTable {
  /** The unique path features, by bit (the path's order from the root). */
  features: Int32Array;
  /** contributions[mask * k + j] */
  contributions: Float64Array;
}

/** All leaves below `root`, summed: see the comment at the top. */
interface GroupTable {
  root: number;
  /** Bits of the root's path mask (its unique path features). */
  pathBits: number;
  /** The splits below the root; bit i of the index's low part is "went left at splits[i]". */
  splits: Int32Array;
  /** The feature of each slot of a table row. */
  slots: Int32Array;
  /** table[index * slots.length + slot], index = (path agreement mask << splits.length) | directions */
  table: Float64Array;
}

interface TreeTables {
  tree: TreeEnsemble['trees'][number];
  /** Per categorical split, "goes left" for each code, then for missing or unseen (index categoryCounts[f]). */
  categoryLookups: Array<Uint8Array | null>;
  /** The split (non-leaf) nodes. */
  splitNodes: Int32Array;
  groups: GroupTable[];
  expected: number;
  /**
   * Nodes other than the root down to the group roots, parents first, with the bit that the
   * parent's feature has in the masks of every leaf below (bits are given in path order, so a
   * shared path prefix shares them) and whether the node is its parent's left child.
   */
  order: Int32Array;
  parent: Int32Array;
  bit: Int32Array;
  isLeft: Uint8Array;
}

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

type Tree = TreeEnsemble['trees'][number];

function leafTables(tree: Tree): Map<number, LeafTable> {
  const tables = new Map<number, LeafTable>();
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
    tables.set(node, { features: Int32Array.from(features), contributions });
  };
  walk(0, []);
  return tables;
}

/** Splits in the subtree of each node (0 for a leaf). */
function splitCounts(tree: Tree): Int32Array {
  const counts = new Int32Array(tree.feature.length);
  const count = (node: number): number => {
    if (tree.feature[node]! < 0) return 0;
    return (counts[node] = 1 + count(tree.left[node]!) + count(tree.right[node]!));
  };
  count(0);
  return counts;
}

/** Group roots: the highest nodes whose path bits plus splits below fit in MAX_GROUP_BITS, or leaves. */
function groupRoots(tree: Tree, splits: Int32Array): Map<number, number[]> {
  const roots = new Map<number, number[]>();
  const visit = (node: number, features: number[]) => {
    if (tree.feature[node]! < 0 || features.length + splits[node]! <= MAX_GROUP_BITS) {
      roots.set(node, features);
      return;
    }
    const f = tree.feature[node]!;
    const below = features.includes(f) ? features : [...features, f];
    visit(tree.left[node]!, below);
    visit(tree.right[node]!, below);
  };
  visit(0, []);
  return roots;
}

function groupTable(tree: Tree, root: number, pathFeatures: number[], leaves: Map<number, LeafTable>): GroupTable | null {
  const splits: number[] = [];
  const slots = [...pathFeatures];
  // Each leaf below with its steps from the root: (index in splits, went left).
  const below: Array<{ leaf: LeafTable; steps: Array<{ split: number; left: boolean; bit: number }> }> = [];
  const walk = (node: number, steps: Array<{ split: number; node: number; left: boolean }>) => {
    if (tree.feature[node]! < 0) {
      const leaf = leaves.get(node)!;
      const features = Array.from(leaf.features);
      below.push({ leaf, steps: steps.map((s) => ({ split: s.split, left: s.left, bit: features.indexOf(tree.feature[s.node]!) })) });
      return;
    }
    const split = splits.length;
    splits.push(node);
    if (!slots.includes(tree.feature[node]!)) slots.push(tree.feature[node]!);
    walk(tree.left[node]!, [...steps, { split, node, left: true }]);
    walk(tree.right[node]!, [...steps, { split, node, left: false }]);
  };
  walk(root, []);
  const width = slots.length;
  if (width === 0) return null; // a tree that is one leaf: its value is all in the base
  const p = pathFeatures.length;
  const s = splits.length;
  const table = new Float64Array((1 << (p + s)) * width);
  for (const { leaf, steps } of below) {
    const k = leaf.features.length;
    const slotOf = Array.from(leaf.features, (f) => slots.indexOf(f));
    const newBits = ((1 << k) - 1) & ~((1 << p) - 1);
    for (let index = 0; index < 1 << (p + s); index++) {
      const directions = index & ((1 << s) - 1);
      let mask = (index >> s) | newBits;
      for (const step of steps) if (((directions >> step.split) & 1) !== (step.left ? 1 : 0)) mask &= ~(1 << step.bit);
      for (let j = 0; j < k; j++) table[index * width + slotOf[j]!]! += leaf.contributions[mask * k + j]!;
    }
  }
  return { root, pathBits: p, splits: Int32Array.from(splits), slots: Int32Array.from(slots), table };
}

/** Parents-first order of the nodes between the root and the group roots, with each one's mask bit (see TreeTables). */
function maskOrder(tree: Tree, roots: Map<number, number[]>) {
  const order: number[] = [];
  const parent: number[] = [];
  const bit: number[] = [];
  const isLeft: number[] = [];
  const visit = (node: number, features: number[]) => {
    if (roots.has(node)) return;
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
  /** Per-node directions and masks for one row, reused across calls. */
  private readonly goesLeft: Uint8Array;
  private readonly cleared: Int32Array;
  private readonly categorical: number[];
  readonly base: number;

  constructor(private readonly ensemble: TreeEnsemble) {
    this.trees = ensemble.trees.map((tree) => {
      let expected = 0;
      for (let i = 0; i < tree.feature.length; i++) if (tree.feature[i]! < 0) expected += (tree.value[i]! * tree.cover[i]!) / tree.cover[0]!;
      const leaves = leafTables(tree);
      const roots = groupRoots(tree, splitCounts(tree));
      const groups = [...roots].map(([root, path]) => groupTable(tree, root, path, leaves)).filter((g) => g !== null);
      const categories = categoryTables(tree);
      const categoryLookups = categories.map((table, i) => {
        if (!table) return null;
        const known = ensemble.categoryCounts[tree.feature[i]!]!;
        const lookup = new Uint8Array(known + 1);
        lookup.set(table.subarray(0, known));
        lookup[known] = tree.missingLeft[i]!;
        return lookup;
      });
      const splitNodes = Int32Array.from(Array.from(tree.feature).flatMap((f, i) => (f >= 0 ? [i] : [])));
      return { tree, categoryLookups, splitNodes, groups, expected, ...maskOrder(tree, roots) };
    });
    this.categorical = ensemble.featureKinds.flatMap((kind, c) => (kind === 'categorical' ? [c] : []));
    this.base = this.trees.reduce((sum, t) => sum + t.expected, ensemble.baseMargin);
    const maxNodes = Math.max(1, ...ensemble.trees.map((t) => t.feature.length));
    this.goesLeft = new Uint8Array(maxNodes);
    this.cleared = new Int32Array(maxNodes);
  }

  /**
   * Rows are processed in blocks, tree by tree and group by group, with tight loops over the rows
   * of the block: the group's table stays in cache and the loops have no branches worth predicting.
   */
  values(matrix: FeatureMatrix): ShapResult {
    if (matrix.rows === 1) return { base: this.base, values: this.valuesOfOneRow(matrix.values, matrix.cols) };
    const cols = matrix.cols;
    const out = new Float64Array(matrix.rows * cols);
    // Blocks of up to 256 rows, no larger than the input.
    const block = Math.max(1, Math.min(256, matrix.rows));
    const maxNodes = Math.max(1, ...this.trees.map((t) => t.tree.feature.length));
    const agrees = new Uint8Array(maxNodes * block);
    // Per node, the mask bits of the path features the row disagrees with, built parent to child.
    const cleared = new Int32Array(maxNodes * block);
    // The block's values column by column (each split reads one feature for every row), as float32,
    // the precision thresholds are compared at, and as given for the category codes.
    const column32 = new Float32Array(cols * block);
    const column64 = new Float64Array(cols * block);
    const codes = new Int32Array(cols * block);
    const counts = this.ensemble.categoryCounts;
    // A block's contributions column by column, so each group adds into contiguous memory.
    const sums = new Float64Array(cols * block);
    const index = new Int32Array(block);
    for (let start = 0; start < matrix.rows; start += block) {
      const n = Math.min(block, matrix.rows - start);
      sums.fill(0);
      for (let r = 0; r < n; r++) {
        const row = (start + r) * cols;
        for (let c = 0; c < cols; c++) column64[c * block + r] = matrix.values[row + c]!;
      }
      column32.set(column64);
      for (const c of this.categorical) {
        const known = counts[c]!;
        for (let r = c * block, end = r + n; r < end; r++) {
          const v = column64[r]!;
          codes[r] = Number.isInteger(v) && v >= 0 && v < known ? v : known;
        }
      }
      for (const t of this.trees) {
        const tree = t.tree;
        for (let i = 0; i < tree.feature.length; i++) {
          const f = tree.feature[i]!;
          if (f < 0) continue;
          const base = i * block;
          const table = t.categoryLookups[i];
          const missingLeft = tree.missingLeft[i]!;
          if (table) {
            const from = f * block;
            // codes holds counts[f] for missing and unseen codes: the table's last entry, missingLeft.
            const lookup = t.categoryLookups[i]!;
            for (let r = 0; r < n; r++) agrees[base + r] = lookup[codes[from + r]!]!;
          } else {
            const threshold = tree.threshold[i]!;
            const from = f * block;
            // Without branches (the data decides them at random): a comparison with NaN is false,
            // so "not above" sends missing values left and "at most" sends them right.
            if (missingLeft) for (let r = 0; r < n; r++) agrees[base + r] = 1 - +(column32[from + r]! > threshold);
            else for (let r = 0; r < n; r++) agrees[base + r] = +(column32[from + r]! <= threshold);
          }
        }
        cleared.fill(0, 0, n);
        const { order, parent, bit, isLeft } = t;
        for (let o = 0; o < order.length; o++) {
          const node = order[o]! * block;
          const from = parent[o]! * block;
          const want = isLeft[o]!;
          // flag where the row went the other way: (went left XOR is left) is 1 then.
          const shift = bit[o]!;
          for (let r = 0; r < n; r++) cleared[node + r] = cleared[from + r]! | ((agrees[from + r]! ^ want) << shift);
        }
        for (const group of t.groups) {
          const full = (1 << group.pathBits) - 1;
          const s = group.splits.length;
          const rootBase = group.root * block;
          for (let r = 0; r < n; r++) index[r] = (full & ~cleared[rootBase + r]!) << s;
          for (let i = 0; i < s; i++) {
            const splitBase = group.splits[i]! * block;
            for (let r = 0; r < n; r++) index[r]! |= agrees[splitBase + r]! << i;
          }
          const width = group.slots.length;
          for (let r = 0; r < n; r++) index[r]! *= width;
          const table = group.table;
          for (let u = 0; u < width; u++) {
            const column = group.slots[u]! * block;
            for (let r = 0; r < n; r++) sums[column + r]! += table[index[r]! + u]!;
          }
        }
      }
      for (let c = 0; c < cols; c++) for (let r = 0; r < n; r++) out[(start + r) * cols + c] = sums[c * block + r]!;
    }
    return { base: this.base, values: out };
  }

  /**
   * The same sums for one row without the block machinery (real-time scoring explains one lead at
   * a time): the row's float32 values and category codes are worked out once, and each split is
   * decided without branches, as in the block path.
   */
  private valuesOfOneRow(values: Float64Array, cols: number): Float64Array {
    const out = new Float64Array(cols);
    const { goesLeft, cleared } = this;
    const row32 = new Float32Array(values);
    const codes = new Int32Array(cols);
    const counts = this.ensemble.categoryCounts;
    for (const c of this.categorical) {
      const v = values[c]!;
      codes[c] = Number.isInteger(v) && v >= 0 && v < counts[c]! ? v : counts[c]!;
    }
    for (const t of this.trees) {
      const tree = t.tree;
      const { splitNodes, categoryLookups } = t;
      const feature = tree.feature;
      const threshold = tree.threshold;
      const missingLeft = tree.missingLeft;
      for (let k = 0; k < splitNodes.length; k++) {
        const i = splitNodes[k]!;
        const f = feature[i]!;
        const lookup = categoryLookups[i];
        if (lookup) goesLeft[i] = lookup[codes[f]!]!;
        else goesLeft[i] = missingLeft[i] ? 1 - +(row32[f]! > threshold[i]!) : +(row32[f]! <= threshold[i]!);
      }
      const { order, parent, bit, isLeft } = t;
      cleared[0] = 0;
      for (let o = 0; o < order.length; o++) {
        const from = parent[o]!;
        cleared[order[o]!] = cleared[from]! | ((goesLeft[from]! ^ isLeft[o]!) << bit[o]!);
      }
      for (const group of t.groups) {
        const s = group.splits.length;
        let index = (((1 << group.pathBits) - 1) & ~cleared[group.root]!) << s;
        const splits = group.splits;
        for (let i = 0; i < s; i++) index |= goesLeft[splits[i]!]! << i;
        const width = group.slots.length;
        const at = index * width;
        const table = group.table;
        const slots = group.slots;
        for (let u = 0; u < width; u++) out[slots[u]!]! += table[at + u]!;
      }
    }
    return out;
  }
}
