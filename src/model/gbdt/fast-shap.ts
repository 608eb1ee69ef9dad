import type { FeatureMatrix, TreeEnsemble } from '../tree.js';
import { shapKernel, WorkMemory, type ShapKernel } from './kernel.js';
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
const MAX_GROUP_BITS = 9;

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
  /** The output slot (a feature, or features added up; see FastTreeShapOptions) of each entry of a table row. */
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

function groupTable(tree: Tree, root: number, pathFeatures: number[], leaves: Map<number, LeafTable>, slotOf: ArrayLike<number>): GroupTable | null {
  const splits: number[] = [];
  // Output slots the group adds to: its path features' and those of the splits below.
  const slots: number[] = [];
  const addSlot = (feature: number) => {
    if (!slots.includes(slotOf[feature]!)) slots.push(slotOf[feature]!);
  };
  pathFeatures.forEach(addSlot);
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
    addSlot(tree.feature[node]!);
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
    const slotOfLeaf = Array.from(leaf.features, (f) => slots.indexOf(slotOf[f]!));
    const newBits = ((1 << k) - 1) & ~((1 << p) - 1);
    for (let index = 0; index < 1 << (p + s); index++) {
      const directions = index & ((1 << s) - 1);
      let mask = (index >> s) | newBits;
      for (const step of steps) if (((directions >> step.split) & 1) !== (step.left ? 1 : 0)) mask &= ~(1 << step.bit);
      for (let j = 0; j < k; j++) table[index * width + slotOfLeaf[j]!]! += leaf.contributions[mask * k + j]!;
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

/** For a float32 x, x <= t exactly when x <= this (and x > t when x > this). */
function float32AtMost(t: number): number {
  const f = Math.fround(t);
  if (!(f > t)) return f; // t itself, or NaN (a categorical split's, never compared)
  const bits = new Float32Array([f]);
  const int = new Int32Array(bits.buffer);
  int[0]! += f > 0 ? -1 : f < 0 ? 1 : 0;
  if (f === 0) bits[0] = -1.401298464324817e-45; // just below 0
  return bits[0]!;
}

function popcount(x: number): number {
  let n = 0;
  for (; x; x &= x - 1) n++;
  return n;
}

/** The flat arrays of FlatLayout in the kernel's memory, from the per-tree tables (which are not kept). */
function flatLayout(trees: TreeTables[], categoryCounts: ArrayLike<number>, m: WorkMemory): FlatLayout {
  const count = (f: (t: TreeTables) => number) => trees.reduce((n, t) => n + f(t), 0);
  const splits = count((t) => t.splitNodes.length);
  const steps = count((t) => t.order.length);
  const groups = count((t) => t.groups.length);
  const L: FlatLayout = {
    treeSplits: m.int32(trees.length + 1, 'the tables'),
    treeSteps: m.int32(trees.length + 1, 'the tables'),
    treeGroups: m.int32(trees.length + 1, 'the tables'),
    splitNode: m.int32(splits, 'the tables'),
    splitFeature: m.int32(splits, 'the tables'),
    splitThreshold: m.float64(splits, 'the tables'),
    splitThreshold32: m.float32(splits, 'the tables'),
    splitMissingLeft: m.uint8(splits, 'the tables'),
    splitLookup: m.int32(splits, 'the tables').fill(-1),
    splitKnown: m.int32(splits, 'the tables'),
    // 32 bytes past the last lookup: the kernel loads a lookup's 32 first bytes whatever its length.
    lookups: m.uint8(count((t) => t.categoryLookups.reduce((n, l) => n + (l?.length ?? 0), 0)) + 32, 'the tables'),
    stepNode: m.int32(steps, 'the tables'),
    stepParent: m.int32(steps, 'the tables'),
    stepBit: m.int32(steps, 'the tables'),
    stepIsLeft: m.uint8(steps, 'the tables'),
    groupRoot: m.int32(groups, 'the tables'),
    groupFull: m.int32(groups, 'the tables'),
    groupSplitStart: m.int32(groups, 'the tables'),
    groupSplitCount: m.int32(groups, 'the tables'),
    groupSlotStart: m.int32(groups, 'the tables'),
    groupWidth: m.int32(groups, 'the tables'),
    groupTable: m.int32(groups, 'the tables'),
    groupSplitNodes: m.int32(count((t) => t.groups.reduce((n, g) => n + g.splits.length, 0)), 'the tables'),
    groupSlotIds: m.int32(count((t) => t.groups.reduce((n, g) => n + g.slots.length, 0)), 'the tables'),
    tables: m.float64(count((t) => t.groups.reduce((n, g) => n + g.table.length, 0)), 'the tables'),
  };
  let k = 0, o = 0, g = 0, lookupAt = 0, splitAt = 0, slotAt = 0, tableAt = 0;
  trees.forEach((t, ti) => {
    const tree = t.tree;
    for (const i of t.splitNodes) {
      L.splitNode[k] = i;
      L.splitFeature[k] = tree.feature[i]!;
      L.splitThreshold[k] = tree.threshold[i]!;
      L.splitThreshold32[k] = float32AtMost(tree.threshold[i]!);
      L.splitMissingLeft[k] = tree.missingLeft[i]!;
      const lookup = t.categoryLookups[i];
      if (lookup) {
        L.splitLookup[k] = lookupAt;
        L.splitKnown[k] = categoryCounts[tree.feature[i]!]!;
        L.lookups.set(lookup, lookupAt);
        lookupAt += lookup.length;
      }
      k++;
    }
    for (let j = 0; j < t.order.length; j++, o++) {
      L.stepNode[o] = t.order[j]!;
      L.stepParent[o] = t.parent[j]!;
      L.stepBit[o] = t.bit[j]!;
      L.stepIsLeft[o] = t.isLeft[j]!;
    }
    for (const group of t.groups) {
      L.groupRoot[g] = group.root;
      L.groupFull[g] = (1 << group.pathBits) - 1;
      L.groupSplitStart[g] = splitAt;
      L.groupSplitCount[g] = group.splits.length;
      L.groupSplitNodes.set(group.splits, splitAt);
      splitAt += group.splits.length;
      L.groupSlotStart[g] = slotAt;
      L.groupWidth[g] = group.slots.length;
      L.groupSlotIds.set(group.slots, slotAt);
      slotAt += group.slots.length;
      L.groupTable[g] = tableAt;
      L.tables.set(group.table, tableAt);
      tableAt += group.table.length;
      g++;
    }
    L.treeSplits[ti + 1] = k;
    L.treeSteps[ti + 1] = o;
    L.treeGroups[ti + 1] = g;
  });
  return L;
}

export interface FastTreeShapOptions {
  /**
   * The output slot of each input column: columns that share a slot have their contributions
   * added up (exactly: Shapley values are additive), e.g. all the features of one reason. The
   * tables are then narrower and explaining a row costs less. Default: every column its own slot.
   */
  slotOf?: ArrayLike<number>;
  /** How many output slots a row has (at least the largest of slotOf plus one). */
  slots?: number;
}

/** Per-block working memory, kept between calls (one set for single rows, one for small batches, one for blocks). */
interface Scratch {
  block: number;
  /** Per split node and row: went left (1) or right (0). */
  agrees: Uint8Array;
  /** Per node and row: the mask bits of the path features the row disagrees with, built parent to child. */
  cleared: Int32Array;
  /** The block's values column by column, as float32 (the precision thresholds are compared at). */
  column32: Float32Array;
  /** Category codes column by column: the code, or categoryCounts[c] for missing and unseen. */
  codes: Int32Array;
  /** Contributions slot by slot, so each group adds into contiguous memory. */
  sums: Float64Array;
  /** Per row: its index into a group's table, then the address of that table line. */
  index: Int32Array;
}

/**
 * Everything the kernel reads, in a few flat arrays laid out in the order they
 * read them. A single row touches every group of every tree once; with an object and three typed
 * arrays per group that was about seven scattered cache lines a group, which in a busy server
 * (where little of the model stays cached between requests) cost more than the arithmetic.
 */
interface FlatLayout {
  /** Per tree: where its splits, path-mask steps and groups start (tree t's run to t + 1's start). */
  treeSplits: Int32Array;
  treeSteps: Int32Array;
  treeGroups: Int32Array;
  /** Per split: its node in the tree, feature, threshold, missing-left flag; for a categorical split its lookup's start in `lookups` and known codes, otherwise -1. */
  splitNode: Int32Array;
  splitFeature: Int32Array;
  splitThreshold: Float64Array;
  /** The largest float32 at most the threshold (the threshold itself, as trainers write them): the kernel's SIMD loops compare in float32. */
  splitThreshold32: Float32Array;
  splitMissingLeft: Uint8Array;
  splitLookup: Int32Array;
  splitKnown: Int32Array;
  lookups: Uint8Array;
  /** Per mask step (TreeTables' order): node, parent, bit and whether it is the left child. */
  stepNode: Int32Array;
  stepParent: Int32Array;
  stepBit: Int32Array;
  stepIsLeft: Uint8Array;
  /** Per group: root, full path mask, its splits and slots (start, count in groupSplitNodes / groupSlotIds), its table's start. */
  groupRoot: Int32Array;
  groupFull: Int32Array;
  groupSplitStart: Int32Array;
  groupSplitCount: Int32Array;
  groupSlotStart: Int32Array;
  groupWidth: Int32Array;
  groupTable: Int32Array;
  groupSplitNodes: Int32Array;
  groupSlotIds: Int32Array;
  tables: Float64Array;
}

/** The arrays of FlatLayout the kernel reads, in the order shap-kernel.wat loads their addresses. */
const LAYOUT_FIELDS = [
  'treeSplits',
  'treeSteps',
  'treeGroups',
  'splitNode',
  'splitFeature',
  'splitThreshold',
  'splitMissingLeft',
  'splitLookup',
  'lookups',
  'stepNode',
  'stepParent',
  'stepBit',
  'stepIsLeft',
  'groupRoot',
  'groupFull',
  'groupSplitStart',
  'groupSplitCount',
  'groupSlotStart',
  'groupWidth',
  'groupTable',
  'groupSplitNodes',
  'groupSlotIds',
  'tables',
  'splitThreshold32',
  'splitKnown',
] as const satisfies ReadonlyArray<keyof FlatLayout>;

/** Rows per block: a group's table stays in cache while it serves the whole block, and its loops run long enough to pay for setting them up. */
const BLOCK = 512;

/** Rows of the block for small batches. */
const SMALL_BLOCK = 32;

/** Below this many rows, rows are explained one by one, each a block of one: its lines are the shortest. */
const FEW_ROWS = 4;

/** Tables for a whole ensemble; build once per loaded model, then explain any number of rows. */
export class FastTreeShap {
  private readonly treeCount: number;
  private readonly categorical: Int32Array;
  private readonly maxNodes: number;
  private readonly single: Scratch;
  private readonly layout: FlatLayout;
  /** The layout's arrays and the blocks' scratch live here, for the kernel (shap-kernel.wat). */
  private readonly memory = new WorkMemory(1, 'explaining the model');
  private readonly kernel: ShapKernel;
  /** Address of the layout's array addresses, in LAYOUT_FIELDS order. */
  private readonly layoutAddress: number;
  private blocked: Scratch | null = null;
  private small: Scratch | null = null;
  readonly base: number;
  /** Output slots per row (columns, unless options.slotOf merges some). */
  readonly width: number;

  constructor(
    private readonly ensemble: TreeEnsemble,
    options: FastTreeShapOptions = {},
  ) {
    const cols = ensemble.featureKinds.length;
    const slotOf = options.slotOf ?? Int32Array.from({ length: cols }, (_, c) => c);
    if (slotOf.length !== cols) throw new Error(`slotOf has ${slotOf.length} entries; the model takes ${cols} features`);
    this.width = Math.max(options.slots ?? 0, ...Array.from(slotOf, (slot) => slot + 1));
    const trees = ensemble.trees.map((tree) => {
      let expected = 0;
      for (let i = 0; i < tree.feature.length; i++) if (tree.feature[i]! < 0) expected += (tree.value[i]! * tree.cover[i]!) / tree.cover[0]!;
      const leaves = leafTables(tree);
      const roots = groupRoots(tree, splitCounts(tree));
      const groups = [...roots].map(([root, path]) => groupTable(tree, root, path, leaves, slotOf)).filter((g) => g !== null);
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
    this.categorical = Int32Array.from(ensemble.featureKinds.flatMap((kind, c) => (kind === 'categorical' ? [c] : [])));
    this.base = trees.reduce((sum, t) => sum + t.expected, ensemble.baseMargin);
    this.treeCount = trees.length;
    this.maxNodes = Math.max(1, ...ensemble.trees.map((t) => t.feature.length));
    this.single = this.scratch(1);
    this.layout = flatLayout(trees, ensemble.categoryCounts, this.memory);
    const addresses = this.memory.int32(LAYOUT_FIELDS.length, 'the tables');
    LAYOUT_FIELDS.forEach((field, i) => (addresses[i] = this.layout[field].byteOffset));
    this.layoutAddress = addresses.byteOffset;
    this.kernel = shapKernel(this.memory.memory);
  }

  private scratch(block: number): Scratch {
    const cols = this.ensemble.featureKinds.length;
    const m = this.memory;
    return {
      block,
      agrees: m.uint8(this.maxNodes * block, 'a block'),
      cleared: m.int32(this.maxNodes * block, 'a block'),
      column32: m.float32(cols * block, 'a block'),
      codes: m.int32(cols * block, 'a block'),
      sums: m.float64(this.width * block, 'a block'),
      index: m.int32(block, 'a block'),
    };
  }

  /**
   * Contributions of every row (rows x width). Rows go in blocks, tree by tree and group by group,
   * with tight loops over the rows of the block: the group's table stays in cache and the loops
   * have no branches worth predicting. A few rows (real-time scoring) go one by one.
   */
  values(matrix: FeatureMatrix): ShapResult {
    const out = new Float64Array(matrix.rows * this.width);
    this.valuesInto(matrix, out, 0, matrix.rows);
    return { base: this.base, values: out };
  }

  /**
   * Contributions of rows [from, to) of the matrix into the same rows of out (rows x width), the
   * other rows untouched: threads that share a batch each write their own rows. A row's values
   * do not depend on which rows it is explained with.
   */
  valuesInto(matrix: FeatureMatrix, out: Float64Array, from: number, to: number): void {
    if (to - from < FEW_ROWS) {
      for (let r = from; r < to; r++) this.explainBlock(matrix, r, 1, this.single, out);
      return;
    }
    // A small batch (concurrent real-time calls) in a block of its size: the same work in fewer cache lines.
    const scratch = to - from <= SMALL_BLOCK ? (this.small ??= this.scratch(SMALL_BLOCK)) : (this.blocked ??= this.scratch(BLOCK));
    for (let start = from; start < to; start += scratch.block) this.explainBlock(matrix, start, Math.min(scratch.block, to - start), scratch, out);
  }

  /**
   * Rows [start, start + n) of the matrix into out (row-major, width slots a row): the block's
   * values go column by column into the kernel's memory, and the kernel (shap-kernel.wat) does
   * the work of every tree.
   */
  private explainBlock(matrix: FeatureMatrix, start: number, n: number, s: Scratch, out: Float64Array): void {
    const { block, agrees, cleared, column32, codes, sums, index } = s;
    const cols = matrix.cols;
    const width = this.width;
    const values = matrix.values;
    sums.fill(0);
    for (let r = 0; r < n; r++) {
      const row = (start + r) * cols;
      for (let c = 0; c < cols; c++) column32[c * block + r] = values[row + c]!;
    }
    const counts = this.ensemble.categoryCounts;
    for (let k = 0; k < this.categorical.length; k++) {
      const c = this.categorical[k]!;
      const known = counts[c]!;
      for (let r = 0; r < n; r++) {
        const v = values[(start + r) * cols + c]!;
        codes[c * block + r] = Number.isInteger(v) && v >= 0 && v < known ? v : known;
      }
    }
    this.kernel.explainTrees(this.layoutAddress, agrees.byteOffset, cleared.byteOffset, column32.byteOffset, codes.byteOffset, sums.byteOffset, index.byteOffset, n, block, this.treeCount);
    for (let r = 0; r < n; r++) {
      const row = (start + r) * width;
      for (let c = 0; c < width; c++) out[row + c] = sums[c * block + r]!;
    }
  }
}
