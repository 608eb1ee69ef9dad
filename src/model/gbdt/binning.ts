import type { FeatureKind, FeatureMatrix } from '../tree.js';

/** Bin of a missing value (NaN, or a category code the model does not know). */
export const MISSING_BIN = 255;
export const HIST_BINS = 256;

/** Codes a model can tell apart in a column of `count`: the bin of missing values ends them. */
export const knownCodes = (count: number): number => Math.min(count, MISSING_BIN);

export interface ColumnBins {
  kind: FeatureKind;
  /** Numeric: upper edge of each bin (float32 values, ascending, the last is +Infinity). */
  edges: Float64Array;
  /** Categorical: codes at or above this are missing. */
  categoryCount: number;
}

export interface BinnedMatrix {
  rows: number;
  cols: number;
  /** Column-major: bins[col * rows + row]. */
  bins: Uint8Array;
}

/**
 * Numeric bin edges from the column's values: every distinct value when there are few, else
 * quantiles. A value's bin is the first whose edge is >= fround(value), so "bin <= k" is exactly
 * "fround(x) <= edges[k]": the rule the predictor and onnxruntime apply.
 */
export function numericEdges(values: Float64Array, maxBins: number): Float64Array {
  let m = 0;
  const finite = new Float32Array(values.length);
  for (const v of values) if (!Number.isNaN(v)) finite[m++] = v; // stored as Math.fround(v)
  const sorted = sortFloat32(finite.subarray(0, m));
  const distinct: number[] = [];
  for (let i = 0; i < m && distinct.length <= maxBins; i++) {
    if (distinct.length === 0 || distinct[distinct.length - 1] !== sorted[i]) distinct.push(sorted[i]!);
  }
  let edges: number[];
  if (distinct.length <= maxBins) {
    edges = distinct.slice(0, -1);
  } else {
    edges = [];
    for (let k = 1; k < maxBins; k++) {
      const v = sorted[Math.floor((k * m) / maxBins)]!;
      if (edges.length === 0 || v > edges[edges.length - 1]!) edges.push(v);
    }
    // The top quantile must leave something above it.
    const top = sorted[m - 1]!;
    while (edges.length > 0 && edges[edges.length - 1]! >= top) edges.pop();
  }
  edges.push(Infinity);
  return Float64Array.from(edges);
}

/**
 * Float32 values sorted ascending (-0 before +0), by an LSD radix sort on their bits: linear in
 * the count, where a typed array's own sort takes several milliseconds per 40k values.
 */
function sortFloat32(values: Float32Array): Float32Array {
  const m = values.length;
  // Bits made to sort as unsigned integers: negatives flipped whole, positives above them.
  const bits = new Uint32Array(values.buffer, values.byteOffset, m);
  let keys = new Uint32Array(m);
  for (let i = 0; i < m; i++) keys[i] = bits[i]! & 0x80000000 ? ~bits[i]! : bits[i]! | 0x80000000;
  let spare = new Uint32Array(m);
  const counts = new Int32Array(256);
  for (let shift = 0; shift < 32; shift += 8) {
    counts.fill(0);
    for (let i = 0; i < m; i++) counts[(keys[i]! >>> shift) & 255]!++;
    if (counts.includes(m)) continue; // every key has this byte: nothing moves
    for (let b = 0, at = 0; b < 256; b++) {
      const c = counts[b]!;
      counts[b] = at;
      at += c;
    }
    for (let i = 0; i < m; i++) spare[counts[(keys[i]! >>> shift) & 255]!++] = keys[i]!;
    [keys, spare] = [spare, keys];
  }
  for (let i = 0; i < m; i++) keys[i] = keys[i]! & 0x80000000 ? keys[i]! & 0x7fffffff : ~keys[i]!;
  return new Float32Array(keys.buffer, 0, m);
}

export function fitBins(matrix: FeatureMatrix, kinds: readonly FeatureKind[], categoryCounts: readonly number[], maxBins: number): ColumnBins[] {
  const column = new Float64Array(matrix.rows);
  return kinds.map((kind, c) => {
    if (kind === 'categorical') {
      return { kind, edges: new Float64Array(0), categoryCount: knownCodes(categoryCounts[c] ?? 0) };
    }
    for (let r = 0; r < matrix.rows; r++) column[r] = matrix.values[r * matrix.cols + c]!;
    return { kind, edges: numericEdges(column, maxBins), categoryCount: 0 };
  });
}

export function binValue(bins: ColumnBins, value: number): number {
  if (Number.isNaN(value)) return MISSING_BIN;
  if (bins.kind === 'categorical') {
    return Number.isInteger(value) && value >= 0 && value < bins.categoryCount ? value : MISSING_BIN;
  }
  const v = Math.fround(value);
  const edges = bins.edges;
  let lo = 0;
  let hi = edges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function applyBins(matrix: FeatureMatrix, columns: readonly ColumnBins[]): BinnedMatrix {
  const { rows, cols } = matrix;
  const bins = new Uint8Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    const spec = columns[c]!;
    const offset = c * rows;
    if (spec.kind === 'categorical') {
      for (let r = 0; r < rows; r++) bins[offset + r] = binValue(spec, matrix.values[r * cols + c]!);
      continue;
    }
    // binValue's search without its branches, which a CPU mispredicts on half the steps: the
    // edges padded to HIST_BINS with +Infinity, eight fixed steps whose outcome is added.
    const edges = new Float64Array(HIST_BINS).fill(Infinity);
    edges.set(spec.edges);
    for (let r = 0; r < rows; r++) {
      const value = matrix.values[r * cols + c]!;
      if (Number.isNaN(value)) {
        bins[offset + r] = MISSING_BIN;
        continue;
      }
      const v = Math.fround(value);
      let lo = 0;
      for (let step = HIST_BINS >> 1; step > 0; step >>= 1) lo += step * +(edges[lo + step - 1]! < v);
      bins[offset + r] = lo;
    }
  }
  return { rows, cols, bins };
}
