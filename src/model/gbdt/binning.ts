import type { FeatureKind, FeatureMatrix } from '../tree.js';

/** Bin of a missing value (NaN, or a category code the model does not know). */
export const MISSING_BIN = 255;
export const HIST_BINS = 256;

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
  const finite = new Float64Array(values.length);
  for (const v of values) if (!Number.isNaN(v)) finite[m++] = Math.fround(v);
  // A typed array sorts numerically in native code: much faster than Array#sort with a comparator.
  const sorted = finite.subarray(0, m).sort();
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

export function fitBins(matrix: FeatureMatrix, kinds: readonly FeatureKind[], categoryCounts: readonly number[], maxBins: number): ColumnBins[] {
  const column = new Float64Array(matrix.rows);
  return kinds.map((kind, c) => {
    if (kind === 'categorical') {
      return { kind, edges: new Float64Array(0), categoryCount: Math.min(categoryCounts[c] ?? 0, MISSING_BIN) };
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
    for (let r = 0; r < rows; r++) bins[offset + r] = binValue(spec, matrix.values[r * cols + c]!);
  }
  return { rows, cols, bins };
}
