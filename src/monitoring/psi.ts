/**
 * Population stability index: how far a current distribution moved from a reference one, over
 * shared bins. PSI = sum over bins of (actual - expected) * ln(actual / expected), with shares.
 * Rules of thumb: below 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a major one.
 */

/** Shares of an empty bin are floored to this so that a bin seen on one side only counts without being infinite. */
export const PSI_FLOOR = 1e-4;

export type PsiBand = 'stable' | 'moderate' | 'major';

export function psiBand(psi: number, major = 0.25, moderate = 0.1): PsiBand {
  return psi > major ? 'major' : psi > moderate ? 'moderate' : 'stable';
}

/** PSI of two count (or share) vectors over the same bins. NaN when either side is empty. */
export function psi(expected: readonly number[], actual: readonly number[]): number {
  if (expected.length !== actual.length) throw new Error(`PSI needs the same bins on both sides, got ${expected.length} and ${actual.length}`);
  const e = shares(expected);
  const a = shares(actual);
  if (!e || !a) return NaN;
  let sum = 0;
  for (let i = 0; i < e.length; i++) {
    const ei = Math.max(PSI_FLOOR, e[i]!);
    const ai = Math.max(PSI_FLOOR, a[i]!);
    sum += (ai - ei) * Math.log(ai / ei);
  }
  return sum;
}

function shares(counts: readonly number[]): number[] | null {
  const total = counts.reduce((s, c) => s + c, 0);
  return total > 0 ? counts.map((c) => c / total) : null;
}

/**
 * Bin edges for a numeric feature from its reference values: up to `bins` quantile bins (ties
 * merged, so a feature with few distinct values gets fewer bins). NaN (missing) is left out here;
 * `binNumeric` gives it a bin of its own.
 */
export function quantileEdges(reference: ArrayLike<number>, bins = 10): number[] {
  const values = Float64Array.from(Array.from(reference).filter((v) => !Number.isNaN(v))).sort();
  if (values.length === 0) return [];
  const edges: number[] = [];
  for (let q = 1; q < bins; q++) {
    const v = values[Math.min(values.length - 1, Math.floor((q / bins) * values.length))]!;
    if (edges.length === 0 || v > edges[edges.length - 1]!) edges.push(v);
  }
  // An edge equal to the smallest value would leave the first bin empty by construction.
  return edges.filter((e) => e > values[0]!);
}

/** Counts of `values` per bin: (-inf, e0), [e0, e1), ..., [e_last, inf), then missing (NaN). */
export function binNumeric(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 2).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) {
      counts[edges.length + 1]!++;
      continue;
    }
    let b = 0;
    while (b < edges.length && v >= edges[b]!) b++;
    counts[b]!++;
  }
  return counts;
}

/** Counts of categorical codes 0..categories-1, then unknown or missing. */
export function binCategorical(codes: ArrayLike<number>, categories: number): number[] {
  const counts = new Array<number>(categories + 1).fill(0);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    counts[Number.isInteger(c) && c >= 0 && c < categories ? c : categories]!++;
  }
  return counts;
}
