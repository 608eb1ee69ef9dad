/**
 * Whether two AUCs differ by more than chance: DeLong's test (DeLong, DeLong & Clarke-Pearson,
 * 1988), for two models on the same outcomes (paired: their errors are correlated) or on two
 * separate groups of outcomes (unpaired). The placements are computed from mid-ranks, so ties
 * count half, as in `auc`.
 */

export interface AucComparison {
  /** 'paired': both models scored the same outcomes; 'unpaired': each its own. */
  method: 'paired' | 'unpaired';
  aucA: number;
  aucB: number;
  /** aucA - aucB. */
  difference: number;
  standardError: number;
  /** Two-sided, under the hypothesis that both AUCs are equal. */
  pValue: number;
  /** 95% confidence interval of the difference. */
  interval95: [number, number];
}

/** Mid-ranks (1-based, ties averaged) of the values. */
function midRanks(values: readonly number[]): Float64Array {
  const order = Array.from(values.keys()).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && values[order[j + 1]!] === values[order[i]!]) j++;
    for (let k = i; k <= j; k++) ranks[order[k]!] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return ranks;
}

/**
 * DeLong's placements: for each positive, the share of negatives it outscores; for each negative,
 * the share of positives that outscore it (ties count half). The AUC is the mean of either.
 */
function placements(scores: readonly number[], labels: readonly number[]): { auc: number; positive: Float64Array; negative: Float64Array } {
  const pos = scores.filter((_, i) => labels[i]);
  const neg = scores.filter((_, i) => !labels[i]);
  const all = midRanks([...pos, ...neg]);
  const inPos = midRanks(pos);
  const inNeg = midRanks(neg);
  const m = pos.length;
  const n = neg.length;
  const positive = Float64Array.from(pos, (_, i) => (all[i]! - inPos[i]!) / n);
  const negative = Float64Array.from(neg, (_, j) => 1 - (all[m + j]! - inNeg[j]!) / m);
  return { auc: positive.reduce((a, b) => a + b, 0) / m, positive, negative };
}

function covariance(a: Float64Array, b: Float64Array): number {
  const meanA = a.reduce((s, x) => s + x, 0) / a.length;
  const meanB = b.reduce((s, x) => s + x, 0) / b.length;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - meanA) * (b[i]! - meanB);
  return sum / (a.length - 1);
}

/** The normal distribution function, from Abramowitz & Stegun 7.1.26 (error below 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

function comparison(method: AucComparison['method'], aucA: number, aucB: number, variance: number): AucComparison {
  const difference = aucA - aucB;
  const standardError = Math.sqrt(Math.max(0, variance));
  const pValue = standardError > 0 ? Math.min(1, 2 * normalCdf(-Math.abs(difference) / standardError)) : difference === 0 ? 1 : 0;
  return { method, aucA, aucB, difference, standardError, pValue, interval95: [difference - 1.959964 * standardError, difference + 1.959964 * standardError] };
}

const usable = (labels: readonly number[]) => {
  const positives = labels.filter((y) => y).length;
  return positives >= 2 && labels.length - positives >= 2;
};

/** Two models' scores of the same outcomes; null without at least two of each outcome. */
export function compareAucsPaired(scoresA: readonly number[], scoresB: readonly number[], labels: readonly number[]): AucComparison | null {
  if (scoresA.length !== labels.length || scoresB.length !== labels.length) throw new Error(`${scoresA.length} and ${scoresB.length} scores for ${labels.length} outcomes`);
  if (!usable(labels)) return null;
  const a = placements(scoresA, labels);
  const b = placements(scoresB, labels);
  const m = a.positive.length;
  const n = a.negative.length;
  const variance =
    (covariance(a.positive, a.positive) + covariance(b.positive, b.positive) - 2 * covariance(a.positive, b.positive)) / m +
    (covariance(a.negative, a.negative) + covariance(b.negative, b.negative) - 2 * covariance(a.negative, b.negative)) / n;
  return comparison('paired', a.auc, b.auc, variance);
}

/** Two models, each on its own outcomes; null without at least two of each outcome on both sides. */
export function compareAucsUnpaired(scoresA: readonly number[], labelsA: readonly number[], scoresB: readonly number[], labelsB: readonly number[]): AucComparison | null {
  if (scoresA.length !== labelsA.length || scoresB.length !== labelsB.length) throw new Error('each side needs one score per outcome');
  if (!usable(labelsA) || !usable(labelsB)) return null;
  const a = placements(scoresA, labelsA);
  const b = placements(scoresB, labelsB);
  const varianceOf = (p: typeof a) => covariance(p.positive, p.positive) / p.positive.length + covariance(p.negative, p.negative) / p.negative.length;
  return comparison('unpaired', a.auc, b.auc, varianceOf(a) + varianceOf(b));
}
