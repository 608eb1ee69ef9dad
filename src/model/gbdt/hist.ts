import { HIST_BINS, MISSING_BIN } from './binning.js';
import type { HistKernel } from './kernel.js';

/**
 * The per-level work of tree growth, on plain typed arrays so that the main thread and the
 * histogram worker run the same code: build or derive the histograms of a level's nodes and find
 * each node's best split, for one block of the sampled features. A feature's slice of a histogram
 * is only ever touched by the thread that took its block, and each block's best split is kept
 * apart and the blocks compared in order, so the trees do not depend on how many threads share
 * the work, nor on which thread took which block.
 */

/**
 * A histogram holds gradient and hessian per (column, bin), interleaved, for every column, and
 * then a row count per (column, bin): counts are often not needed (see needsCounts), and apart
 * they are neither added up, zeroed nor subtracted then.
 */
export const STRIDE = 2;
export const COLUMN_SIZE = HIST_BINS * STRIDE;

/** Length of a histogram of `columns` columns. */
export function histogramLength(columns: number): number {
  return columns * (COLUMN_SIZE + HIST_BINS);
}

/** Fields of a level node in `WorkTable.nodes`. */
export const START = 0;
export const END = 1;
/** Histogram slot of the node, -1 for none. */
export const SLOT = 2;
export const OP = 3;
/** For OP_SUBTRACT: the slot of the sibling to subtract. */
export const OTHER = 4;
/** 1 when the node's best split is wanted. */
export const SEARCH = 5;
export const NODE_INTS = 6;

export const OP_NONE = 0;
/** Zero the slot and add up the node's rows. */
export const OP_BUILD = 1;
/** The slot holds the parent's histogram: take the sibling's away from it. */
export const OP_SUBTRACT = 2;

/** Fields of a node to partition in `WorkTable.parts`. */
export const PART_START = 0;
export const PART_END = 1;
export const PART_FEATURE = 2;
/** Written by partitionNode: where the rows going right start. */
export const PART_MID = 3;
export const PART_INTS = 4;

/** Fields of a split found in one block of features for one node in `WorkTable.splits`. */
export const GAIN = 0;
export const FEATURE = 1;
/** Numeric: the last bin going left. Categorical: how many categories, in `categoryOrder`, go left. */
export const BIN = 2;
export const MISSING_LEFT = 3;
/** Where in the features list (and so in the histogram) the split feature is. */
export const POSITION = 4;
/** Gradient and hessian sums of the rows going left. */
export const LEFT_G = 5;
export const LEFT_H = 6;
export const SPLIT_FIELDS = 7;
/** Gain a split must beat: splits that gain nothing are not made. */
export const MIN_GAIN = 1e-12;

/**
 * What every thread reads, and writes for its own features or rows, while training. `bins`,
 * `features`, `packed`, `gh`, `order`, `countList` and the histograms are views into the work
 * memory (kernel.ts), as the kernel reads them by byte offset.
 */
export interface WorkTable {
  rows: number;
  /** Per row, for the gradients (see gradients.ts). */
  margin: Float64Array;
  labels: Uint8Array;
  weights: Float64Array;
  lossParts: Float64Array;
  /**
   * Bins of the sampled features, by block (see blockStart) and row-major within a block: for
   * features[k] in the block [from, to), packed[from * rows + row * (to - from) + k - from]. A
   * block's bins are one contiguous run, a row's a few adjacent bytes of it. Histograms follow
   * the features' order: the slice of features[k] starts at k * COLUMN_SIZE.
   */
  packed: Uint8Array;
  /** Block b holds features [blockStart[b], blockStart[b + 1]) of `features`. */
  blockStart: Int32Array;
  /**
   * Positions (in `features`) whose row counts are made, block by block: block b's are
   * countList[countStart[b] .. countStart[b + 1]) (see needsCounts).
   */
  countList: Int32Array;
  countStart: Int32Array;
  /** Interleaved gradient and hessian per row. */
  gh: Float64Array;
  /** The sampled rows; each node owns the range [START, END). */
  order: Int32Array;
  /** Column-major bins of all features: bins[column * rows + row]. */
  bins: Uint8Array;
  /** The nodes of a level to partition, PART_INTS each. */
  parts: Int32Array;
  /** For each node of `parts`, 1 for every bin whose rows go left (HIST_BINS entries). */
  partLeft: Uint8Array;
  /** Room for the right-going rows of a partition: a node uses its own range [start, end). */
  spill: Int32Array;
  features: Int32Array;
  nodes: Int32Array;
  /** Gradient and hessian sums per node. */
  sums: Float64Array;
  /** SPLIT_FIELDS per (node, block): the best split of each block of features (see splitAt). */
  splits: Float64Array;
  /** Blocks the splits array has room for per node. */
  blockSlots: number;
  hists: Float64Array[];
  /** 1 for a categorical column. */
  categorical: Uint8Array;
  /** Numeric: number of edges. Categorical: number of categories. */
  binCount: Int32Array;
  l2: number;
  minChildWeight: number;
  minSamplesLeaf: number;
  /** 1 when every bin's rows are counted; 0 when only categorical features' are (see needsCounts). */
  counted: number;
  /** Where the row counts start in every histogram: counts[countBase + position * HIST_BINS + bin]. */
  countBase: number;
}

/**
 * Whether histograms must count the rows of every bin. Counts serve minSamplesLeaf and tell an
 * empty bin from a full one. With minSamplesLeaf 1 and a positive minChildWeight, the hessian does
 * both for numeric features (a row's hessian is never 0, and a side must hold minChildWeight of
 * it), so their count updates, a third of the histogram work, are skipped. Categorical features
 * keep theirs: which categories a node has decides the split's sets.
 */
export function needsCounts(minSamplesLeaf: number, minChildWeight: number): boolean {
  return minSamplesLeaf > 1 || !(minChildWeight >= 1e-6);
}

/** Per-thread scratch space, and the thread's instance of the histogram kernel. */
export class Scratch {
  constructor(readonly kernel: HistKernel) {}
  readonly order = new Int32Array(HIST_BINS);
  readonly ratio = new Float64Array(HIST_BINS);
}

/**
 * Partitions node p of t.parts: its rows that go left first, each side in its former order (so
 * that the sums of a node's rows come out the same whatever happened to its siblings).
 */
export function partitionNode(t: WorkTable, p: number): void {
  const at = p * PART_INTS;
  const start = t.parts[at + PART_START]!;
  const end = t.parts[at + PART_END]!;
  const n = t.rows;
  const feature = t.parts[at + PART_FEATURE]!;
  const column = t.bins.subarray(feature * n, feature * n + n);
  const goesLeft = t.partLeft.subarray(p * HIST_BINS, (p + 1) * HIST_BINS);
  const rows = t.order;
  const spill = t.spill;
  // one lookup per row, and no branch a CPU could mispredict
  let l = start;
  let r = start;
  for (let i = start; i < end; i++) {
    const row = rows[i]!;
    const left = goesLeft[column[row]!]!;
    rows[l] = row;
    spill[r] = row;
    l += left;
    r += 1 - left;
  }
  rows.set(spill.subarray(start, r), l);
  t.parts[at + PART_MID] = l;
}

/** Where block `block`'s best split for node j is in t.splits. */
export function splitAt(t: WorkTable, j: number, block: number): number {
  return (j * t.blockSlots + block) * SPLIT_FIELDS;
}

/**
 * Cuts `featureCount` features into one block per thread, into t.blockStart; returns how many.
 * Every block reads the gradients of all the level's rows again, which made smaller blocks,
 * taken as threads get free, slower overall (measured: 10 blocks for 60 features and 2 threads
 * took 18% longer than 2). A thread that is late, as when a level is short, finds its block
 * taken by one that is free.
 */
export function planBlocks(t: WorkTable, featureCount: number, threads: number): number {
  const blocks = Math.max(1, Math.min(threads, featureCount));
  for (let b = 0; b <= blocks; b++) t.blockStart[b] = Math.floor((featureCount * b) / blocks);
  return blocks;
}

/** Lists, block by block, the positions of t.features whose rows are counted (see WorkTable.countList). */
export function listCounted(t: WorkTable, blocks: number): void {
  let counted = 0;
  for (let b = 0; b < blocks; b++) {
    t.countStart[b] = counted;
    for (let k = t.blockStart[b]!; k < t.blockStart[b + 1]!; k++) {
      if (t.counted === 1 || t.categorical[t.features[k]!] === 1) t.countList[counted++] = k;
    }
  }
  t.countStart[blocks] = counted;
}

/** Fills block `block` of t.packed from the column-major t.bins (hist-kernel.wat). */
export function packBlock(t: WorkTable, block: number, s: Scratch): void {
  s.kernel.packBlock(t.bins.byteOffset, t.features.byteOffset, t.packed.byteOffset, t.blockStart[block]!, t.blockStart[block + 1]!, t.rows);
}

/** The work of one block of features on one level. */
export function workLevel(t: WorkTable, nodeCount: number, block: number, scratch: Scratch): void {
  const from = t.blockStart[block]!;
  const to = t.blockStart[block + 1]!;
  const nodes = t.nodes;
  for (let j = 0; j < nodeCount; j++) {
    const at = j * NODE_INTS;
    if (nodes[at + OP] === OP_BUILD) buildHistogram(t, t.hists[nodes[at + SLOT]!]!, nodes[at + START]!, nodes[at + END]!, block, scratch);
  }
  // After every build: a subtraction needs its sibling's histogram complete.
  for (let j = 0; j < nodeCount; j++) {
    const at = j * NODE_INTS;
    if (nodes[at + OP] === OP_SUBTRACT) subtract(t, t.hists[nodes[at + SLOT]!]!, t.hists[nodes[at + OTHER]!]!, block);
  }
  for (let j = 0; j < nodeCount; j++) {
    const at = j * NODE_INTS;
    if (nodes[at + SEARCH] === 1) bestSplit(t, j, from, to, splitAt(t, j, block), scratch);
  }
}

/** Zeroes block `block` of the histogram, then adds up rows [start, end) into it (hist-kernel.wat). */
function buildHistogram(t: WorkTable, hist: Float64Array, start: number, end: number, block: number, s: Scratch): void {
  const from = t.blockStart[block]!;
  const to = t.blockStart[block + 1]!;
  const first = t.countStart[block]!;
  const last = t.countStart[block + 1]!;
  hist.fill(0, from * COLUMN_SIZE, to * COLUMN_SIZE);
  for (let q = first; q < last; q++) {
    const k = t.countList[q]!;
    hist.fill(0, t.countBase + k * HIST_BINS, t.countBase + (k + 1) * HIST_BINS);
  }
  s.kernel.addRows(
    t.packed.byteOffset,
    t.order.byteOffset,
    t.gh.byteOffset,
    hist.byteOffset,
    start,
    end,
    from,
    to,
    t.rows,
    t.countList.byteOffset + 4 * first,
    last - first,
    hist.byteOffset + 8 * t.countBase,
  );
}

/** a -= b for the features of block `block`: gradients and hessians, and the counts that were made. */
function subtract(t: WorkTable, a: Float64Array, b: Float64Array, block: number): void {
  for (let i = t.blockStart[block]! * COLUMN_SIZE, end = t.blockStart[block + 1]! * COLUMN_SIZE; i < end; i++) a[i]! -= b[i]!;
  for (let q = t.countStart[block]!; q < t.countStart[block + 1]!; q++) {
    for (let i = t.countBase + t.countList[q]! * HIST_BINS, end = i + HIST_BINS; i < end; i++) a[i]! -= b[i]!;
  }
}

/**
 * Categories present in the node, sorted by mean gradient: the best set going left is a prefix
 * of that order. Returns how many there are; the order is in `s.order`.
 */
export function categoryOrder(hist: Float64Array, countBase: number, position: number, categories: number, l2: number, s: Scratch): number {
  const base = position * COLUMN_SIZE;
  const countAt = countBase + position * HIST_BINS;
  let k = 0;
  for (let b = 0; b < categories; b++) {
    const o = base + b * STRIDE;
    if (hist[countAt + b] === 0) continue;
    s.order[k++] = b;
    s.ratio[b] = hist[o]! / (hist[o + 1]! + l2);
  }
  // Insertion sort: a node has a few dozen categories at most, and this runs per node and feature.
  // Stable, like the sort it replaced, so ties keep the codes' order and the trees stay the same.
  const ratio = s.ratio;
  const order = s.order;
  for (let i = 1; i < k; i++) {
    const b = order[i]!;
    const key = ratio[b]!;
    let j = i - 1;
    for (; j >= 0 && ratio[order[j]!]! > key; j--) order[j + 1] = order[j]!;
    order[j + 1] = b;
  }
  return k;
}

/** How much lower than the exact bar the division-free test of bestSplit sets it (see there). */
const BAR_SLACK = 1 - 1e-9;

const IDENTITY = Int32Array.from({ length: HIST_BINS }, (_, i) => i);

/** Best split of node j over features [from, to), written to t.splits at `out` (gain MIN_GAIN: none). */
function bestSplit(t: WorkTable, j: number, from: number, to: number, out: number, s: Scratch): void {
  const l2 = t.l2;
  const minH = t.minChildWeight;
  const minN = t.minSamplesLeaf;
  const G = t.sums[2 * j]!;
  const H = t.sums[2 * j + 1]!;
  const N = t.nodes[j * NODE_INTS + END]! - t.nodes[j * NODE_INTS + START]!;
  const parentScore = (G * G) / (H + l2);
  const hist = t.hists[t.nodes[j * NODE_INTS + SLOT]!]!;
  let bestGain = MIN_GAIN;
  let bestFeature = -1;
  let bestPosition = -1;
  let bestBin = 0;
  let bestGl = 0;
  let bestHl = 0;
  let bestMissingLeft = false;
  // A candidate can only win when gl²/dl + gr²/dr > bestGain + parentScore, that is (dl, dr > 0)
  // when gl²·dr + gr²·dl > (bestGain + parentScore)·dl·dr. `bar` is that right-hand factor made a
  // little lower, so that rounding never turns away a candidate the exact gain would take: the
  // splits, and with them the trees, are the same as with the divisions alone.
  let bar = (bestGain + parentScore) * BAR_SLACK;
  for (let k = from; k < to; k++) {
    const c = t.features[k]!;
    const base = k * COLUMN_SIZE;
    const m = base + MISSING_BIN * STRIDE;
    const gm = hist[m]!;
    const hm = hist[m + 1]!;
    const categorical = t.categorical[c] === 1;
    // Without counts (see needsCounts), a bin is empty when it has no hessian; the missing bin of a
    // histogram made by subtraction may keep a rounding residue, hence the relative tolerance.
    const counts = categorical || t.counted === 1;
    const countAt = t.countBase + k * HIST_BINS;
    const nm = counts ? hist[countAt + MISSING_BIN]! : hm > 1e-12 * H ? 1 : 0;
    const minRows = counts ? minN : 0;
    if (!counts) {
      // The common case, numeric bins without counts, in the kernel (hist-kernel.wat).
      const kernel = s.kernel;
      const found = kernel.scanNumeric(hist.byteOffset + 8 * base, t.binCount[c]!, G, H, gm, hm, nm > 0 ? 1 : 0, minH, l2, parentScore, bestGain, bar, BAR_SLACK);
      if (found < 0) continue;
      bestGain = kernel.gain.value;
      bar = (bestGain + parentScore) * BAR_SLACK;
      bestFeature = c;
      bestPosition = k;
      bestBin = found;
      bestGl = kernel.leftG.value;
      bestHl = kernel.leftH.value;
      bestMissingLeft = kernel.missingLeft.value === 1;
      continue;
    }
    let candidates: Int32Array;
    let count: number;
    if (categorical) {
      count = categoryOrder(hist, t.countBase, k, t.binCount[c]!, l2, s);
      if (count < 2) continue;
      candidates = s.order;
    } else {
      count = t.binCount[c]!;
      candidates = IDENTITY;
    }
    let gl = 0;
    let hl = 0;
    let nl = 0;
    let featureBest = -1;
    let featureMissingLeft = false;
    let featureGl = 0;
    let featureHl = 0;
    for (let i = 0; i < count - 1; i++) {
      const o = base + candidates[i]! * STRIDE;
      const n = hist[countAt + candidates[i]!]!;
      if (n === 0) continue;
      gl += hist[o]!;
      hl += hist[o + 1]!;
      nl += n;
      // Missing values right: gain of (gl, hl, nl) left and the rest right.
      let hr = H - hl;
      let nr = N - nl;
      if (hl >= minH && hr >= minH && nl >= minRows && nr >= minRows) {
        const gr = G - gl;
        const dl = hl + l2;
        const dr = hr + l2;
        // Two divisions per candidate were most of the search: the test is first made without
        // them (see `bar`), and only a candidate that passes pays for the exact gain.
        const gain = gl * gl * dr + gr * gr * dl > bar * dl * dr ? (gl * gl) / dl + (gr * gr) / dr - parentScore : -Infinity;
        if (gain > bestGain) {
          bar = (gain + parentScore) * BAR_SLACK;
          bestGain = gain;
          featureBest = i;
          featureGl = gl;
          featureHl = hl;
          // with no missing rows in the node, missing values later follow the heavier side
          featureMissingLeft = nm === 0 && hl >= hr;
        }
      }
      if (nm > 0) {
        const gL = gl + gm;
        const hL = hl + hm;
        const nL = nl + nm;
        hr = H - hL;
        nr = N - nL;
        if (hL >= minH && hr >= minH && nL >= minRows && nr >= minRows) {
          const gr = G - gL;
          const dl = hL + l2;
          const dr = hr + l2;
          const gain = gL * gL * dr + gr * gr * dl > bar * dl * dr ? (gL * gL) / dl + (gr * gr) / dr - parentScore : -Infinity;
          if (gain > bestGain) {
            bar = (gain + parentScore) * BAR_SLACK;
            bestGain = gain;
            featureBest = i;
            featureGl = gL;
            featureHl = hL;
            featureMissingLeft = true;
          }
        }
      }
    }
    if (featureBest < 0) continue;
    bestFeature = c;
    bestPosition = k;
    // categorical: the split is the first featureBest + 1 categories of categoryOrder
    bestBin = categorical ? featureBest + 1 : featureBest;
    bestMissingLeft = featureMissingLeft;
    bestGl = featureGl;
    bestHl = featureHl;
  }
  t.splits[out + GAIN] = bestGain;
  t.splits[out + FEATURE] = bestFeature;
  t.splits[out + BIN] = bestBin;
  t.splits[out + MISSING_LEFT] = bestMissingLeft ? 1 : 0;
  t.splits[out + POSITION] = bestPosition;
  t.splits[out + LEFT_G] = bestGl;
  t.splits[out + LEFT_H] = bestHl;
}
