import type { FeatureKind } from '../tree.js';
import type { BinnedMatrix, ColumnBins } from './binning.js';
import { HIST_BINS, MISSING_BIN } from './binning.js';
import {
  BIN,
  categoryOrder,
  COLUMN_SIZE,
  histogramLength,
  END,
  FEATURE,
  GAIN,
  LEFT_G,
  LEFT_H,
  MIN_GAIN,
  MISSING_LEFT,
  needsCounts,
  NODE_INTS,
  OP,
  OP_BUILD,
  OP_NONE,
  OP_SUBTRACT,
  OTHER,
  listCounted,
  packBlock,
  PART_END,
  PART_FEATURE,
  PART_INTS,
  PART_MID,
  PART_START,
  partitionNode,
  planBlocks,
  splitAt,
  POSITION,
  Scratch,
  SEARCH,
  SLOT,
  SPLIT_FIELDS,
  START,
  workLevel,
  type WorkTable,
} from './hist.js';
import { chunkedLoss, ROW_CHUNKS, workRows } from './gradients.js';
import type { GbdtParams } from './params.js';
import { histKernel, WorkMemory } from './kernel.js';
import { HistThreads, workerFile } from './threads.js';

/**
 * One tree grown level by level on binned data. Rows of a node are a contiguous range of the
 * sampled rows, partitioned stably at each split; a node's histogram holds gradient, hessian and
 * count per (column, bin), and the larger child's comes from its parent minus the smaller's.
 * The histograms and split searches of a whole level are one piece of work, shared by feature
 * between `params.threads` threads.
 */

export interface GrowthTree {
  feature: number[];
  /** Numeric split: rows with bin <= splitBin go left. */
  splitBin: number[];
  /** Categorical split: bins that go left (as a 256-entry membership table). */
  leftBins: Array<Uint8Array | null>;
  missingLeft: number[];
  left: number[];
  right: number[];
  value: number[];
  cover: number[];
}

interface Split {
  feature: number;
  bin: number;
  leftBins: Uint8Array | null;
  missingLeft: boolean;
  /** Gradient and hessian sums of the rows going left, from the histogram. */
  gl: number;
  hl: number;
}

interface Node {
  id: number;
  start: number;
  end: number;
  g: number;
  h: number;
  slot: number;
  op: number;
  other: number;
  search: boolean;
}

/** Below this many (row, feature) cells a second thread costs more to start than it saves. */
const MIN_CELLS_FOR_THREADS = 100_000;

export class TreeGrower {
  private readonly table: WorkTable;
  private readonly threads: HistThreads | null;
  private readonly scratch: Scratch;
  /** Histogram slots no node uses any more, kept for the next: a tree needs dozens, a model thousands. */
  private readonly spare: number[] = [];
  /** Leaves of the last tree and their row ranges, to update margins without walking the tree. */
  private leaves: number[] = [];
  private readonly histSize: number;
  /** Where the kernel's arrays live: the bins, rows, gradients and histograms. */
  private readonly memory: WorkMemory;

  /** The features t.packed holds: without column sampling, the same for every tree. */
  private packedFor: Int32Array | null = null;
  /** Blocks the features are cut into (see planBlocks). */
  private blocks = 0;

  private readonly totalWeight: number;

  private hasBins = false;
  private columns: readonly ColumnBins[] = [];

  /**
   * `labels` and `weights` (per row, class weight included) are the training rows'. The threads
   * start here, and get ready while the caller bins the data for useBins.
   */
  constructor(
    shape: { rows: number; kinds: readonly FeatureKind[] },
    private readonly params: GbdtParams,
    labels: Uint8Array,
    weights: Float64Array,
  ) {
    const n = shape.rows;
    const cols = shape.kinds.length;
    const file = params.threads > 1 && n * cols >= MIN_CELLS_FOR_THREADS ? workerFile() : null;
    const threads = file ? params.threads : 1;
    const shared = threads > 1;
    const alloc = (bytes: number) => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    // a level has at most one node per sampled row, and at most 2^depth
    const maxNodes = Math.min(2 ** params.maxDepth, n);
    const filled = <T extends { set(a: ArrayLike<number>): void }>(array: T, values: ArrayLike<number>) => {
      array.set(values);
      return array;
    };
    this.histSize = histogramLength(cols);
    // room for the bins twice, gradients, rows, features and counted positions (with 16 bytes each
    // for alignment), and four histograms: more histograms grow it
    const memory = (this.memory = new WorkMemory(2 * n * cols + 16 * n + 4 * n + 8 * cols + 6 * 16 + 4 * 8 * this.histSize));
    this.table = {
      rows: n,
      margin: new Float64Array(alloc(8 * n)),
      labels: filled(new Uint8Array(alloc(n)), labels),
      weights: filled(new Float64Array(alloc(8 * n)), weights),
      lossParts: new Float64Array(alloc(8 * ROW_CHUNKS)),
      packed: memory.uint8(n * cols, 'the packed bins'),
      blockStart: new Int32Array(alloc(4 * (cols + 1))),
      countList: memory.int32(cols, 'the counted positions'),
      countStart: new Int32Array(alloc(4 * (cols + 1))),
      gh: memory.float64(2 * n, 'the gradients'),
      order: memory.int32(n, 'the rows'),
      bins: memory.uint8(n * cols, 'the bins'),
      parts: new Int32Array(alloc(4 * PART_INTS * maxNodes)),
      partLeft: new Uint8Array(alloc(HIST_BINS * maxNodes)),
      spill: new Int32Array(alloc(4 * n)),
      features: memory.int32(cols, 'the features'),
      nodes: new Int32Array(alloc(4 * NODE_INTS * maxNodes)),
      sums: new Float64Array(alloc(16 * maxNodes)),
      // at most one block per feature
      splits: new Float64Array(alloc(8 * SPLIT_FIELDS * maxNodes * cols)),
      blockSlots: cols,
      hists: [],
      categorical: Uint8Array.from(shape.kinds, (kind) => (kind === 'categorical' ? 1 : 0)),
      // filled by useBins
      binCount: new Int32Array(alloc(4 * cols)),
      l2: params.l2,
      minChildWeight: params.minChildWeight,
      minSamplesLeaf: params.minSamplesLeaf,
      counted: needsCounts(params.minSamplesLeaf, params.minChildWeight) ? 1 : 0,
      countBase: cols * COLUMN_SIZE,
    };
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i]!;
    this.totalWeight = total;
    this.scratch = new Scratch(histKernel(memory.memory));
    this.threads = file ? new HistThreads(file, this.table, memory.memory, threads, this.scratch) : null;
  }

  /** The training rows binned, and the bins of each column: before any tree. */
  useBins(data: BinnedMatrix, columns: readonly ColumnBins[]): void {
    if (data.rows !== this.table.rows || columns.length !== this.table.categorical.length) throw new Error('the binned data does not have the grower\'s shape');
    this.hasBins = true;
    this.columns = columns;
    this.table.bins.set(data.bins);
    columns.forEach((c, i) => (this.table.binCount[i] = c.kind === 'categorical' ? c.categoryCount : c.edges.length));
  }

  /** The training rows' margins: the caller starts them, addToMargin adds each tree. */
  get margin(): Float64Array {
    return this.table.margin;
  }

  /** Gradients at the current margins, for the next tree; returns the weighted mean log loss there. */
  updateGradients(): number {
    if (this.threads) this.threads.runGradients();
    else workRows(this.table, 0, ROW_CHUNKS);
    return chunkedLoss(this.table, this.totalWeight);
  }

  /** Threads sharing the work, the main one included. */
  get threadCount(): number {
    return this.threads ? this.threads.ready() : 1;
  }

  /** Ends the histogram threads. */
  close(): void {
    this.threads?.close();
  }

  grow(sample: Int32Array, features: Int32Array): GrowthTree {
    const tree: GrowthTree = { feature: [], splitBin: [], leftBins: [], missingLeft: [], left: [], right: [], value: [], cover: [] };
    const newNode = () => {
      tree.feature.push(-1);
      tree.splitBin.push(0);
      tree.leftBins.push(null);
      tree.missingLeft.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(0);
      tree.cover.push(0);
      return tree.feature.length - 1;
    };
    const t = this.table;
    const p = this.params;
    t.order.set(sample);
    if (!this.packedFor || !sameValues(this.packedFor, features)) {
      t.features.set(features);
      this.blocks = planBlocks(t, features.length, this.threads ? this.threads.ready() : 1);
      if (!this.hasBins) throw new Error('TreeGrower.useBins must come before the first tree');
      listCounted(t, this.blocks);
      if (this.threads) this.threads.runPack(this.blocks);
      else for (let b = 0; b < this.blocks; b++) packBlock(t, b, this.scratch);
      this.packedFor = features;
    }
    const gh = t.gh;
    let G = 0;
    let H = 0;
    for (let i = 0; i < sample.length; i++) {
      G += gh[2 * sample[i]!]!;
      H += gh[2 * sample[i]! + 1]!;
    }
    this.leaves = [];
    const canSplit = (node: Node, depth: number) => depth < p.maxDepth && node.end - node.start >= 2 * p.minSamplesLeaf;
    const root: Node = { id: newNode(), start: 0, end: sample.length, g: G, h: H, slot: -1, op: OP_NONE, other: -1, search: false };
    if (canSplit(root, 0)) {
      root.slot = this.take();
      root.op = OP_BUILD;
      root.search = true;
    }
    let level = [root];
    for (let depth = 0; level.length > 0; depth++) {
      this.work(level);
      const next: Node[] = [];
      const splits: Array<Split | null> = [];
      let parts = 0;
      for (let j = 0; j < level.length; j++) {
        const node = level[j]!;
        tree.cover[node.id] = node.h;
        tree.value[node.id] = (-node.g / (node.h + p.l2)) * p.learningRate;
        const split = node.search ? this.chosenSplit(j, node.slot) : null;
        splits.push(split);
        if (split) this.addPart(parts++, node, split);
        else {
          if (node.slot >= 0) this.spare.push(node.slot);
          this.leaves.push(node.id, node.start, node.end);
        }
      }
      if (this.threads) this.threads.runPartition(parts);
      else for (let part = 0; part < parts; part++) partitionNode(t, part);
      for (let j = 0, part = 0; j < level.length; j++) {
        const node = level[j]!;
        const split = splits[j];
        if (!split) continue;
        const mid = t.parts[part++ * PART_INTS + PART_MID]!;
        const { gl, hl } = split;
        tree.feature[node.id] = split.feature;
        tree.splitBin[node.id] = split.bin;
        tree.leftBins[node.id] = split.leftBins;
        tree.missingLeft[node.id] = split.missingLeft ? 1 : 0;
        const left: Node = { id: newNode(), start: node.start, end: mid, g: gl, h: hl, slot: -1, op: OP_NONE, other: -1, search: false };
        const right: Node = { id: newNode(), start: mid, end: node.end, g: node.g - gl, h: node.h - hl, slot: -1, op: OP_NONE, other: -1, search: false };
        tree.left[node.id] = left.id;
        tree.right[node.id] = right.id;
        left.search = canSplit(left, depth + 1);
        right.search = canSplit(right, depth + 1);
        const [small, large] = mid - node.start <= node.end - mid ? [left, right] : [right, left];
        if (small.search || large.search) {
          // The smaller child is added up from its rows, even when only its sibling needs a histogram.
          small.slot = this.take();
          small.op = OP_BUILD;
          if (large.search) {
            large.slot = node.slot; // the parent's histogram becomes the larger child's
            large.op = OP_SUBTRACT;
            large.other = small.slot;
          } else {
            this.spare.push(node.slot);
          }
        } else {
          this.spare.push(node.slot);
        }
        next.push(left, right);
      }
      level = next;
    }
    return tree;
  }

  /** margin[row] += the value of the row's leaf, for every sampled row of the last tree. */
  addToMargin(tree: GrowthTree, margin: Float64Array): void {
    const order = this.table.order;
    const leaves = this.leaves;
    for (let k = 0; k < leaves.length; k += 3) {
      const value = tree.value[leaves[k]!]!;
      for (let i = leaves[k + 1]!; i < leaves[k + 2]!; i++) margin[order[i]!]! += value;
    }
  }

  /** Writes node's split as part `part` of the level's partition. */
  private addPart(part: number, node: Node, split: Split): void {
    const t = this.table;
    t.parts[part * PART_INTS + PART_START] = node.start;
    t.parts[part * PART_INTS + PART_END] = node.end;
    t.parts[part * PART_INTS + PART_FEATURE] = split.feature;
    const goesLeft = t.partLeft.subarray(part * HIST_BINS, (part + 1) * HIST_BINS);
    if (split.leftBins) goesLeft.set(split.leftBins);
    else for (let b = 0; b < HIST_BINS; b++) goesLeft[b] = b <= split.bin ? 1 : 0;
    goesLeft[MISSING_BIN] = split.missingLeft ? 1 : 0;
  }

  /** Writes the level into the table and has the threads work on it. */
  private work(level: Node[]): void {
    const t = this.table;
    let any = false;
    for (let j = 0; j < level.length; j++) {
      const node = level[j]!;
      const at = j * NODE_INTS;
      t.nodes[at + START] = node.start;
      t.nodes[at + END] = node.end;
      t.nodes[at + SLOT] = node.slot;
      t.nodes[at + OP] = node.op;
      t.nodes[at + OTHER] = node.other;
      t.nodes[at + SEARCH] = node.search ? 1 : 0;
      t.sums[2 * j] = node.g;
      t.sums[2 * j + 1] = node.h;
      any ||= node.op !== OP_NONE || node.search;
    }
    if (!any) return;
    if (this.threads) this.threads.runLevel(level.length, this.blocks);
    else for (let b = 0; b < this.blocks; b++) workLevel(t, level.length, b, this.scratch);
  }

  /** The best of the blocks' splits of node j: the first block's wins ties, as one block would. */
  private chosenSplit(j: number, slot: number): Split | null {
    const splits = this.table.splits;
    let best = -1;
    let bestGain = MIN_GAIN;
    for (let b = 0; b < this.blocks; b++) {
      const at = splitAt(this.table, j, b);
      if (splits[at + FEATURE]! >= 0 && splits[at + GAIN]! > bestGain) {
        best = at;
        bestGain = splits[at + GAIN]!;
      }
    }
    if (best < 0) return null;
    const feature = splits[best + FEATURE]!;
    const missingLeft = splits[best + MISSING_LEFT] === 1;
    const gl = splits[best + LEFT_G]!;
    const hl = splits[best + LEFT_H]!;
    if (this.columns[feature]!.kind !== 'categorical') return { feature, bin: splits[best + BIN]!, leftBins: null, missingLeft, gl, hl };
    // The threads hand back how many categories go left; which ones is the same sort again.
    categoryOrder(this.table.hists[slot]!, this.table.countBase, splits[best + POSITION]!, this.table.binCount[feature]!, this.params.l2, this.scratch);
    const leftBins = new Uint8Array(HIST_BINS);
    for (let i = 0; i < splits[best + BIN]!; i++) leftBins[this.scratch.order[i]!] = 1;
    return { feature, bin: 0, leftBins, missingLeft, gl, hl };
  }

  private take(): number {
    const slot = this.spare.pop();
    if (slot !== undefined) return slot;
    const hist = this.memory.float64(this.histSize, `histogram ${this.table.hists.length + 1}`);
    this.table.hists.push(hist);
    this.threads?.addHistogram(this.table.hists.length - 1, hist);
    return this.table.hists.length - 1;
  }
}

function sameValues(a: Int32Array, b: Int32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Where a binned row ends up in a growth tree. */
export function leafOf(tree: GrowthTree, data: BinnedMatrix, row: number): number {
  let node = 0;
  while (tree.feature[node]! >= 0) {
    const b = data.bins[tree.feature[node]! * data.rows + row]!;
    const left =
      b === MISSING_BIN ? tree.missingLeft[node] === 1 : tree.leftBins[node] ? tree.leftBins[node]![b] === 1 : b <= tree.splitBin[node]!;
    node = left ? tree.left[node]! : tree.right[node]!;
  }
  return node;
}
