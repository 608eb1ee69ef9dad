/**
 * Calibration: a map from a model's raw margin to a probability that means what it says (of 100
 * leads scored 0.3, about 30 convert). Platt scaling fits a sigmoid; isotonic regression fits any
 * increasing map (piecewise linear between the pooled blocks). Which one is chosen on held-out
 * rows by log loss.
 */
export type Calibration =
  | { method: 'platt'; a: number; b: number }
  | { method: 'isotonic'; x: number[]; y: number[] }
  | { method: 'none' };

const EPS = 1e-6;
const clip = (p: number) => Math.min(1 - EPS, Math.max(EPS, p));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Platt scaling by Newton's method, with Platt's smoothed targets against overconfidence. */
export function fitPlatt(margins: ArrayLike<number>, labels: ArrayLike<number>): Calibration {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] ? 1 : 0;
  const negatives = labels.length - positives;
  const hi = (positives + 1) / (positives + 2);
  const lo = 1 / (negatives + 2);
  let a = 1;
  let b = 0;
  for (let iter = 0; iter < 100; iter++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-12;
    let hab = 0;
    let hbb = 1e-12;
    for (let i = 0; i < labels.length; i++) {
      const m = margins[i]!;
      const p = sigmoid(a * m + b);
      const t = labels[i] ? hi : lo;
      const w = p * (1 - p);
      ga += (p - t) * m;
      gb += p - t;
      haa += w * m * m;
      hab += w * m;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 1e-300)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) < 1e-10 && Math.abs(db) < 1e-10) break;
  }
  return { method: 'platt', a, b };
}

/** Isotonic regression by pooling adjacent violators; blocks become interpolation points. */
export function fitIsotonic(margins: ArrayLike<number>, labels: ArrayLike<number>): Calibration {
  const order = Array.from({ length: margins.length }, (_, i) => i).sort((i, j) => margins[i]! - margins[j]!);
  const sumX: number[] = [];
  const sumY: number[] = [];
  const count: number[] = [];
  for (const i of order) {
    sumX.push(margins[i]!);
    sumY.push(labels[i] ? 1 : 0);
    count.push(1);
    // Merge while the new block's mean is not above the one before it.
    while (count.length > 1) {
      const k = count.length - 1;
      if (sumY[k - 1]! / count[k - 1]! < sumY[k]! / count[k]!) break;
      sumX[k - 1]! += sumX[k]!;
      sumY[k - 1]! += sumY[k]!;
      count[k - 1]! += count[k]!;
      sumX.pop();
      sumY.pop();
      count.pop();
    }
  }
  const x: number[] = [];
  const y: number[] = [];
  for (let k = 0; k < count.length; k++) {
    const cx = sumX[k]! / count[k]!;
    const cy = clip(sumY[k]! / count[k]!);
    if (x.length > 0 && cx <= x[x.length - 1]!) {
      y[y.length - 1] = cy; // equal centres: keep the later, higher value
      continue;
    }
    x.push(cx);
    y.push(cy);
  }
  return { method: 'isotonic', x, y };
}

export function applyCalibration(calibration: Calibration, margins: ArrayLike<number>): Float64Array {
  const out = new Float64Array(margins.length);
  for (let i = 0; i < margins.length; i++) out[i] = calibrate(calibration, margins[i]!);
  return out;
}

export function calibrate(calibration: Calibration, margin: number): number {
  switch (calibration.method) {
    case 'none':
      return sigmoid(margin);
    case 'platt':
      return clip(sigmoid(calibration.a * margin + calibration.b));
    case 'isotonic': {
      const { x, y } = calibration;
      if (margin <= x[0]!) return y[0]!;
      if (margin >= x[x.length - 1]!) return y[y.length - 1]!;
      let lo = 0;
      let hi = x.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >>> 1;
        if (x[mid]! <= margin) lo = mid;
        else hi = mid;
      }
      const t = (margin - x[lo]!) / (x[hi]! - x[lo]!);
      return y[lo]! + t * (y[hi]! - y[lo]!);
    }
  }
}

function logLoss(p: Float64Array, labels: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < p.length; i++) sum -= labels[i] ? Math.log(clip(p[i]!)) : Math.log(1 - clip(p[i]!));
  return sum / p.length;
}

/**
 * Fit Platt and isotonic on alternate halves of the held-out rows (two-fold), choose the one with
 * the lower log loss on the half it did not see, and refit it on all the rows. Isotonic needs
 * enough rows to be smooth; below `minIsotonicRows` Platt is used.
 */
export function chooseCalibration(
  margins: ArrayLike<number>,
  labels: ArrayLike<number>,
  options: { minIsotonicRows?: number } = {},
): { calibration: Calibration; logLoss: { platt: number; isotonic: number | null } } {
  if (margins.length !== labels.length) throw new Error(`${margins.length} margins but ${labels.length} labels`);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i] ? 1 : 0;
  if (positives === 0 || positives === labels.length) {
    throw new Error('calibration needs held-out rows of both outcomes');
  }
  const pick = (parity: number) => {
    const idx = Array.from({ length: margins.length }, (_, i) => i).filter((i) => i % 2 === parity);
    return { m: idx.map((i) => margins[i]!), y: idx.map((i) => labels[i]!) };
  };
  const [a, b] = [pick(0), pick(1)];
  const score = (fit: (m: ArrayLike<number>, y: ArrayLike<number>) => Calibration) =>
    (logLoss(applyCalibration(fit(a.m, a.y), b.m), b.y) + logLoss(applyCalibration(fit(b.m, b.y), a.m), a.y)) / 2;
  const platt = score(fitPlatt);
  const isotonic = margins.length >= (options.minIsotonicRows ?? 1000) ? score(fitIsotonic) : null;
  const calibration = isotonic !== null && isotonic < platt ? fitIsotonic(margins, labels) : fitPlatt(margins, labels);
  return { calibration, logLoss: { platt, isotonic } };
}
