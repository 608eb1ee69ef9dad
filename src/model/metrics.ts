/**
 * Quality figures for probability scores against 0/1 labels. Ties in scores are handled the way
 * rank statistics do (average ranks), so a constant score has an AUC of exactly 0.5.
 */

function check(scores: ArrayLike<number>, labels: ArrayLike<number>): void {
  if (scores.length !== labels.length) throw new Error(`${scores.length} scores but ${labels.length} labels`);
  if (scores.length === 0) throw new Error('no rows to measure');
}

/** Area under the ROC curve (Mann-Whitney U). NaN when there is only one class. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  check(scores, labels);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!]) {
        positives++;
        rankSum += rank;
      }
    }
    i = j + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Area under the precision-recall curve, as average precision. */
export function prAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  check(scores, labels);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const positives = order.reduce((n, i) => n + (labels[i] ? 1 : 0), 0);
  if (positives === 0) return NaN;
  let hits = 0;
  let sum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    let groupHits = 0;
    while (j < order.length && scores[order[j]!] === scores[order[i]!]) groupHits += labels[order[j++]!] ? 1 : 0;
    hits += groupHits;
    sum += groupHits * (hits / j);
    i = j;
  }
  return sum / positives;
}

const clip = (p: number) => Math.min(1 - 1e-15, Math.max(1e-15, p));

export function logLoss(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  check(probabilities, labels);
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum -= labels[i] ? Math.log(clip(probabilities[i]!)) : Math.log(1 - clip(probabilities[i]!));
  return sum / labels.length;
}

export function brier(probabilities: ArrayLike<number>, labels: ArrayLike<number>): number {
  check(probabilities, labels);
  let sum = 0;
  for (let i = 0; i < labels.length; i++) sum += (probabilities[i]! - (labels[i] ? 1 : 0)) ** 2;
  return sum / labels.length;
}

/** Expected calibration error over equal-width probability bins, weighted by rows per bin. */
export function calibrationError(probabilities: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): number {
  check(probabilities, labels);
  const count = new Float64Array(bins);
  const predicted = new Float64Array(bins);
  const observed = new Float64Array(bins);
  for (let i = 0; i < labels.length; i++) {
    const b = Math.min(bins - 1, Math.floor(probabilities[i]! * bins));
    count[b]!++;
    predicted[b]! += probabilities[i]!;
    observed[b]! += labels[i] ? 1 : 0;
  }
  let error = 0;
  for (let b = 0; b < bins; b++) if (count[b]! > 0) error += Math.abs(predicted[b]! - observed[b]!);
  return error / labels.length;
}

/** Conversion rate among the top `share` of scores, divided by the overall rate. */
export function lift(scores: ArrayLike<number>, labels: ArrayLike<number>, share = 0.1): number {
  const k = Math.max(1, Math.round(scores.length * share));
  const rate = Array.from(labels).reduce<number>((n, y) => n + (y ? 1 : 0), 0) / labels.length;
  return precisionAtK(scores, labels, k) / rate;
}

/** Share of positives among the k highest scores. */
export function precisionAtK(scores: ArrayLike<number>, labels: ArrayLike<number>, k: number): number {
  check(scores, labels);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const top = order.slice(0, Math.min(k, order.length));
  return top.reduce((n, i) => n + (labels[i] ? 1 : 0), 0) / top.length;
}

export interface Metrics {
  rows: number;
  positives: number;
  auc: number;
  prAuc: number;
  logLoss: number;
  brier: number;
  ece: number;
  liftTopDecile: number;
  precisionAt100: number;
}

export function allMetrics(probabilities: ArrayLike<number>, labels: ArrayLike<number>): Metrics {
  return {
    rows: labels.length,
    positives: Array.from(labels).reduce<number>((n, y) => n + (y ? 1 : 0), 0),
    auc: auc(probabilities, labels),
    prAuc: prAuc(probabilities, labels),
    logLoss: logLoss(probabilities, labels),
    brier: brier(probabilities, labels),
    ece: calibrationError(probabilities, labels),
    liftTopDecile: lift(probabilities, labels, 0.1),
    precisionAt100: precisionAtK(probabilities, labels, 100),
  };
}
