import type { WorkTable } from './hist.js';

/**
 * Gradients and hessians of the log loss at the current margins, and the loss itself, by fixed
 * chunks of rows: each thread takes whole chunks and the loss adds up chunk by chunk in order,
 * so it comes out the same for any number of threads.
 */
export const ROW_CHUNKS = 16;

/** Chunks [from, to): t.gh for their rows, and each chunk's weighted loss in t.lossParts. */
export function workRows(t: WorkTable, from: number, to: number): void {
  const { margin, labels, weights, gh } = t;
  const n = margin.length;
  for (let chunk = from; chunk < to; chunk++) {
    const end = Math.floor((n * (chunk + 1)) / ROW_CHUNKS);
    let sum = 0;
    for (let i = Math.floor((n * chunk) / ROW_CHUNKS); i < end; i++) {
      const m = margin[i]!;
      const w = weights[i]!;
      const y = labels[i]!;
      // one exponential serves the probability and the loss, and never overflows
      const e = Math.exp(-Math.abs(m));
      const p = m >= 0 ? 1 / (1 + e) : e / (1 + e);
      gh[2 * i] = w * (p - y);
      gh[2 * i + 1] = Math.max(w * p * (1 - p), 1e-16);
      sum += w * (Math.max(m, 0) - (y ? m : 0) + Math.log1p(e));
    }
    t.lossParts[chunk] = sum;
  }
}

/** The weighted mean loss from the chunks' sums. */
export function chunkedLoss(t: WorkTable, totalWeight: number): number {
  let sum = 0;
  for (let chunk = 0; chunk < ROW_CHUNKS; chunk++) sum += t.lossParts[chunk]!;
  return sum / totalWeight;
}
