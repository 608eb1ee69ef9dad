/** One figure for both models on the same held-out outcomes, with a bootstrap interval of the difference. */
export interface MetricComparison {
  champion: number;
  challenger: number;
  /** challenger - champion (for calibration error, negative is better). */
  difference: number;
  /** 95% interval of the difference over paired bootstrap resamples of the held-out rows. */
  ci95: [number, number];
}

export interface Comparison {
  rows: number;
  positives: number;
  resamples: number;
  seed: number;
  auc: MetricComparison;
  /** Expected calibration error (10 equal-width bins). */
  ece: MetricComparison;
  /** Conversion rate in the top 10% of scores over the overall rate. */
  liftTopDecile: MetricComparison;
}

type MetricName = 'auc' | 'ece' | 'liftTopDecile';
const METRIC_NAMES: MetricName[] = ['auc', 'ece', 'liftTopDecile'];

/**
 * The three figures of one model's probabilities with a weight (a multiplicity) per row, over the
 * rows in ascending order of probability computed once: a bootstrap resample is a vector of
 * multiplicities, so each resample costs one pass, not a sort.
 */
function weightedFigures(p: ArrayLike<number>, labels: ArrayLike<number>, ascending: Int32Array, w: Float64Array): Record<MetricName, number> {
  const n = ascending.length;
  let positives = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += w[i]!;
    if (labels[i]) positives += w[i]!;
  }
  const negatives = total - positives;
  // AUC (Mann-Whitney with ties counting half), walking tie groups upwards.
  let below = 0;
  let sum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    let groupPos = 0;
    let groupNeg = 0;
    while (j < n && p[ascending[j]!] === p[ascending[i]!]) {
      const r = ascending[j++]!;
      if (labels[r]) groupPos += w[r]!;
      else groupNeg += w[r]!;
    }
    sum += groupPos * (below + groupNeg / 2);
    below += groupNeg;
    i = j;
  }
  const auc = positives > 0 && negatives > 0 ? sum / (positives * negatives) : NaN;
  // Calibration error over 10 equal-width bins.
  const count = new Float64Array(10);
  const predicted = new Float64Array(10);
  const observed = new Float64Array(10);
  for (let r = 0; r < n; r++) {
    if (w[r] === 0) continue;
    const b = Math.min(9, Math.floor(p[r]! * 10));
    count[b]! += w[r]!;
    predicted[b]! += w[r]! * p[r]!;
    if (labels[r]) observed[b]! += w[r]!;
  }
  let ece = 0;
  for (let b = 0; b < 10; b++) ece += Math.abs(predicted[b]! - observed[b]!);
  // Lift: the conversion rate of the top 10% of rows over the overall rate.
  const k = Math.max(1, Math.round(total * 0.1));
  let taken = 0;
  let hits = 0;
  for (let i = n - 1; i >= 0 && taken < k; i--) {
    const r = ascending[i]!;
    const take = Math.min(w[r]!, k - taken);
    taken += take;
    if (labels[r]) hits += take;
  }
  const liftTopDecile = positives > 0 ? hits / k / (positives / total) : NaN;
  return { auc, ece: ece / total, liftTopDecile };
}

function ascendingOrder(p: ArrayLike<number>): Int32Array {
  return Int32Array.from({ length: p.length }, (_, i) => i).sort((a, b) => p[a]! - p[b]!);
}

/** A small seeded generator (mulberry32): the same seed gives the same resamples, so a comparison can be repeated. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i]!;
}

/**
 * Compare champion and challenger probabilities on the same held-out outcomes: each figure for
 * both, and a 95% interval of the difference from paired bootstrap resamples (both models on the
 * same resampled rows, so the interval reflects the difference, not each model's own noise).
 */
export function compareOnHoldout(
  champion: ArrayLike<number>,
  challenger: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: { resamples?: number; seed?: number } = {},
): Comparison {
  const n = labels.length;
  if (champion.length !== n || challenger.length !== n) throw new Error(`${champion.length} champion and ${challenger.length} challenger probabilities for ${n} outcomes`);
  const resamples = options.resamples ?? 200;
  const seed = options.seed ?? 1;
  const random = seeded(seed);
  const orderA = ascendingOrder(champion);
  const orderB = ascendingOrder(challenger);
  const ones = new Float64Array(n).fill(1);
  const pointA = weightedFigures(champion, labels, orderA, ones);
  const pointB = weightedFigures(challenger, labels, orderB, ones);
  const differences: Record<MetricName, number[]> = { auc: [], ece: [], liftTopDecile: [] };
  const w = new Float64Array(n);
  for (let r = 0; r < resamples; r++) {
    w.fill(0);
    for (let i = 0; i < n; i++) w[Math.floor(random() * n)]!++;
    const a = weightedFigures(champion, labels, orderA, w);
    const b = weightedFigures(challenger, labels, orderB, w);
    for (const name of METRIC_NAMES) {
      const d = b[name] - a[name];
      // A resample with one class only has no AUC or lift: it is left out.
      if (Number.isFinite(d)) differences[name].push(d);
    }
  }
  const compare = (name: MetricName): MetricComparison => {
    const sorted = differences[name].sort((p, q) => p - q);
    return { champion: pointA[name], challenger: pointB[name], difference: pointB[name] - pointA[name], ci95: [percentile(sorted, 0.025), percentile(sorted, 0.975)] };
  };
  let positives = 0;
  for (let i = 0; i < n; i++) positives += labels[i] ? 1 : 0;
  return { rows: n, positives, resamples, seed, auc: compare('auc'), ece: compare('ece'), liftTopDecile: compare('liftTopDecile') };
}

/** How much worse calibrated than the champion a challenger may be and still be promoted. */
export const CALIBRATION_TOLERANCE = 0.01;

/**
 * Promote only a challenger whose AUC beats the champion's by at least the margin, whose AUC gain
 * is above zero across the bootstrap interval (not luck of the sample), and whose calibration is
 * no worse than the champion's by more than the tolerance.
 */
export function decidePromotion(c: Comparison, margin: number): { promote: boolean; reason: string } {
  const f = (x: number) => x.toFixed(4);
  const gain = c.auc.difference;
  const interval = `AUC ${f(c.auc.challenger)} against ${f(c.auc.champion)} (gain ${f(gain)}, 95% interval ${f(c.auc.ci95[0])} to ${f(c.auc.ci95[1])}) on ${c.rows} held-out outcomes`;
  if (!(gain >= margin)) return { promote: false, reason: `kept as challenger: ${interval}; the settings ask for a gain of at least ${f(margin)}` };
  if (!(c.auc.ci95[0] > 0)) return { promote: false, reason: `kept as challenger: ${interval}; the interval includes no gain, so it may be luck of the sample` };
  if (!(c.ece.challenger <= c.ece.champion + CALIBRATION_TOLERANCE)) {
    return { promote: false, reason: `kept as challenger: ${interval}, but its calibration error ${f(c.ece.challenger)} is worse than the champion's ${f(c.ece.champion)} by more than ${CALIBRATION_TOLERANCE}` };
  }
  return { promote: true, reason: `promoted: ${interval}, at least the margin of ${f(margin)}; calibration error ${f(c.ece.challenger)} against ${f(c.ece.champion)}` };
}
