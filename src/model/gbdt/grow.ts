import type { BinnedMatrix, ColumnBins } from './binning.js';
import { HIST_BINS, MISSING_BIN } from './binning.js';
import type { GbdtParams } from './params.js';

/**
 * One tree grown depth-first-by-level on binned data. Rows of a node are a contiguous range of
 * `rows`, partitioned in place at each split; a node's histogram holds gradient, hessian and
 * count per (column, bin), and the larger child's comes from its parent minus the smaller's.
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
  gain: number;
  feature: number;
  bin: number;
  leftBins: Uint8Array | null;
  missingLeft: boolean;
}

interface Node {
  id: number;
  start: number;
  end: number;
  depth: number;
  hist: Float64Array;
  g: number;
  h: number;
}

const STRIDE = 3;
const EMPTY = new Float64Array(0);
const IDENTITY = Int32Array.from({ length: HIST_BINS }, (_, i) => i);

export class TreeGrower {
  private readonly histSize: number;
  private readonly order = new Int32Array(HIST_BINS);
  /** Histograms no node uses any more, kept for the next: a tree needs dozens, a model thousands. */
  private readonly spare: Float64Array[] = [];
  private readonly ratio = new Float64Array(HIST_BINS);

  constructor(
    private readonly data: BinnedMatrix,
    private readonly columns: readonly ColumnBins[],
    private readonly params: GbdtParams,
  ) {
    this.histSize = data.cols * HIST_BINS * STRIDE;
  }

  grow(rows: Int32Array, g: Float64Array, h: Float64Array, features: Int32Array): GrowthTree {
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
    const rootHist = this.take();
    this.buildHistogram(rows, 0, rows.length, g, h, features, rootHist);
    let G = 0;
    let H = 0;
    for (let i = 0; i < rows.length; i++) {
      G += g[rows[i]!]!;
      H += h[rows[i]!]!;
    }
    const queue: Node[] = [{ id: newNode(), start: 0, end: rows.length, depth: 0, hist: rootHist, g: G, h: H }];
    const p = this.params;
    while (queue.length > 0) {
      const node = queue.shift()!;
      tree.cover[node.id] = node.h;
      tree.value[node.id] = (-node.g / (node.h + p.l2)) * p.learningRate;
      const count = node.end - node.start;
      const split = node.depth >= p.maxDepth || count < 2 * p.minSamplesLeaf ? null : this.bestSplit(node, features);
      if (!split) {
        if (node.hist !== EMPTY) this.spare.push(node.hist);
        continue;
      }
      const mid = this.partition(rows, node.start, node.end, split);
      tree.feature[node.id] = split.feature;
      tree.splitBin[node.id] = split.bin;
      tree.leftBins[node.id] = split.leftBins;
      tree.missingLeft[node.id] = split.missingLeft ? 1 : 0;
      const leftId = newNode();
      const rightId = newNode();
      tree.left[node.id] = leftId;
      tree.right[node.id] = rightId;

      let gl = 0;
      let hl = 0;
      for (let i = node.start; i < mid; i++) {
        gl += g[rows[i]!]!;
        hl += h[rows[i]!]!;
      }
      const depth = node.depth + 1;
      const left: Node = { id: leftId, start: node.start, end: mid, depth, hist: EMPTY, g: gl, h: hl };
      const right: Node = { id: rightId, start: mid, end: node.end, depth, hist: EMPTY, g: node.g - gl, h: node.h - hl };
      // A child that cannot split again needs no histogram: at the last level that is half the work.
      const needs = (child: Node) => depth < p.maxDepth && child.end - child.start >= 2 * p.minSamplesLeaf;
      if (needs(left) || needs(right)) {
        const [small, large] = mid - node.start <= node.end - mid ? [left, right] : [right, left];
        small.hist = this.take();
        this.buildHistogram(rows, small.start, small.end, g, h, features, small.hist);
        large.hist = node.hist; // the parent's histogram becomes the larger child's
        const a = large.hist;
        const b = small.hist;
        for (let i = 0; i < a.length; i++) a[i]! -= b[i]!;
      } else {
        this.spare.push(node.hist);
      }
      queue.push(left, right);
    }
    return tree;
  }

  private take(): Float64Array {
    const hist = this.spare.pop();
    if (!hist) return new Float64Array(this.histSize);
    hist.fill(0);
    return hist;
  }

  private buildHistogram(rows: Int32Array, start: number, end: number, g: Float64Array, h: Float64Array, features: Int32Array, hist: Float64Array): void {
    const n = this.data.rows;
    const bins = this.data.bins;
    const count = end - start;
    // Gradients of the node's rows, gathered once instead of once per column.
    const gs = new Float64Array(count);
    const hs = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const r = rows[start + i]!;
      gs[i] = g[r]!;
      hs[i] = h[r]!;
    }
    // Four columns per pass over the rows: the row index and its gradients are read once for all four.
    let f = 0;
    for (; f + 4 <= features.length; f += 4) {
      const c0 = features[f]!;
      const c1 = features[f + 1]!;
      const c2 = features[f + 2]!;
      const c3 = features[f + 3]!;
      const b0 = bins.subarray(c0 * n, c0 * n + n);
      const b1 = bins.subarray(c1 * n, c1 * n + n);
      const b2 = bins.subarray(c2 * n, c2 * n + n);
      const b3 = bins.subarray(c3 * n, c3 * n + n);
      const h0 = c0 * HIST_BINS * STRIDE;
      const h1 = c1 * HIST_BINS * STRIDE;
      const h2 = c2 * HIST_BINS * STRIDE;
      const h3 = c3 * HIST_BINS * STRIDE;
      for (let i = 0; i < count; i++) {
        const r = rows[start + i]!;
        const gi = gs[i]!;
        const hi = hs[i]!;
        let o = h0 + b0[r]! * STRIDE;
        hist[o]! += gi;
        hist[o + 1]! += hi;
        hist[o + 2]!++;
        o = h1 + b1[r]! * STRIDE;
        hist[o]! += gi;
        hist[o + 1]! += hi;
        hist[o + 2]!++;
        o = h2 + b2[r]! * STRIDE;
        hist[o]! += gi;
        hist[o + 1]! += hi;
        hist[o + 2]!++;
        o = h3 + b3[r]! * STRIDE;
        hist[o]! += gi;
        hist[o + 1]! += hi;
        hist[o + 2]!++;
      }
    }
    for (; f < features.length; f++) {
      const c = features[f]!;
      const column = bins.subarray(c * n, c * n + n);
      const base = c * HIST_BINS * STRIDE;
      for (let i = 0; i < count; i++) {
        const o = base + column[rows[start + i]!]! * STRIDE;
        hist[o]! += gs[i]!;
        hist[o + 1]! += hs[i]!;
        hist[o + 2]!++;
      }
    }
  }

  private bestSplit(node: Node, features: Int32Array): Split | null {
    const p = this.params;
    const l2 = p.l2;
    const minH = p.minChildWeight;
    const minN = p.minSamplesLeaf;
    const G = node.g;
    const H = node.h;
    const N = node.end - node.start;
    const parentScore = (G * G) / (H + l2);
    const hist = node.hist;
    let bestGain = 1e-12;
    let best: Split | null = null;
    for (let f = 0; f < features.length; f++) {
      const c = features[f]!;
      const base = c * HIST_BINS * STRIDE;
      const m = base + MISSING_BIN * STRIDE;
      const gm = hist[m]!;
      const hm = hist[m + 1]!;
      const nm = hist[m + 2]!;
      const column = this.columns[c]!;
      const categorical = column.kind === 'categorical';
      let candidates: ArrayLike<number>;
      let k: number;
      if (categorical) {
        // Categories sorted by mean gradient: the best set going left is a prefix of that order.
        k = 0;
        for (let b = 0; b < column.categoryCount; b++) {
          const o = base + b * STRIDE;
          if (hist[o + 2] === 0) continue;
          this.order[k++] = b;
          this.ratio[b] = hist[o]! / (hist[o + 1]! + l2);
        }
        if (k < 2) continue;
        candidates = Array.from(this.order.subarray(0, k)).sort((a, b) => this.ratio[a]! - this.ratio[b]!);
      } else {
        k = column.edges.length;
        candidates = IDENTITY;
      }
      let gl = 0;
      let hl = 0;
      let nl = 0;
      let featureBest = -1;
      let featureMissingLeft = false;
      for (let i = 0; i < k - 1; i++) {
        const o = base + candidates[i]! * STRIDE;
        const n = hist[o + 2]!;
        if (n === 0) continue;
        gl += hist[o]!;
        hl += hist[o + 1]!;
        nl += n;
        // Missing values right: gain of (gl, hl, nl) left and the rest right.
        let hr = H - hl;
        let nr = N - nl;
        if (hl >= minH && hr >= minH && nl >= minN && nr >= minN) {
          const gr = G - gl;
          const gain = (gl * gl) / (hl + l2) + (gr * gr) / (hr + l2) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            featureBest = i;
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
          if (hL >= minH && hr >= minH && nL >= minN && nr >= minN) {
            const gr = G - gL;
            const gain = (gL * gL) / (hL + l2) + (gr * gr) / (hr + l2) - parentScore;
            if (gain > bestGain) {
              bestGain = gain;
              featureBest = i;
              featureMissingLeft = true;
            }
          }
        }
      }
      if (featureBest < 0) continue;
      let leftBins: Uint8Array | null = null;
      if (categorical) {
        leftBins = new Uint8Array(HIST_BINS);
        for (let i = 0; i <= featureBest; i++) leftBins[candidates[i]!] = 1;
      }
      best = { gain: bestGain, feature: c, bin: categorical ? 0 : featureBest, leftBins, missingLeft: featureMissingLeft };
    }
    return best;
  }

  /** Put the node's rows that go left first; returns where the right ones start. */
  private partition(rows: Int32Array, start: number, end: number, split: Split): number {
    const n = this.data.rows;
    const bins = this.data.bins;
    const column = bins.subarray(split.feature * n, split.feature * n + n);
    const missingLeft = split.missingLeft;
    const table = split.leftBins;
    const threshold = split.bin;
    let i = start;
    let j = end - 1;
    while (i <= j) {
      const b = column[rows[i]!]!;
      const left = b === MISSING_BIN ? missingLeft : table ? table[b] === 1 : b <= threshold;
      if (left) i++;
      else {
        const t = rows[i]!;
        rows[i] = rows[j]!;
        rows[j] = t;
        j--;
      }
    }
    return i;
  }
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
