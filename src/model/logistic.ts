import type { FeatureKind, FeatureMatrix } from './tree.js';

/**
 * A regularized logistic regression: the baseline the trees must beat. Numbers are standardized
 * (clipped at 5 standard deviations, a missing value is 0 plus an indicator); categories are one
 * column per code plus one for missing or unseen. Trained by L-BFGS on the L2-penalized log loss.
 */
export interface LogisticModel {
  kind: 'logistic';
  intercept: number;
  l2: number;
  numeric: Array<{ column: number; mean: number; scale: number; coef: number; missing: number }>;
  categorical: Array<{ column: number; coefs: number[]; missing: number }>;
}

interface Design {
  width: number;
  /** Row-major dense design (rows x width). */
  x: Float64Array;
}

function design(model: Omit<LogisticModel, 'intercept'>, matrix: FeatureMatrix): Design {
  const width = model.numeric.length * 2 + model.categorical.reduce((n, c) => n + c.coefs.length + 1, 0);
  const x = new Float64Array(matrix.rows * width);
  for (let r = 0; r < matrix.rows; r++) {
    const row = r * width;
    let k = 0;
    for (const n of model.numeric) {
      const v = matrix.values[r * matrix.cols + n.column]!;
      if (Number.isNaN(v)) x[row + k + 1] = 1;
      else x[row + k] = Math.max(-5, Math.min(5, (v - n.mean) / n.scale));
      k += 2;
    }
    for (const c of model.categorical) {
      const v = matrix.values[r * matrix.cols + c.column]!;
      const known = Number.isInteger(v) && v >= 0 && v < c.coefs.length;
      x[row + k + (known ? v : c.coefs.length)] = 1;
      k += c.coefs.length + 1;
    }
  }
  return { width, x };
}

/** Minimise f by L-BFGS with a backtracking line search. */
function lbfgs(f: (w: Float64Array, grad: Float64Array) => number, w: Float64Array, iterations: number): void {
  const d = w.length;
  const memory = 10;
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const grad = new Float64Array(d);
  let loss = f(w, grad);
  const direction = new Float64Array(d);
  const trial = new Float64Array(d);
  const trialGrad = new Float64Array(d);
  const alpha = new Float64Array(memory);
  const dot = (a: Float64Array, b: Float64Array) => a.reduce((sum, v, i) => sum + v * b[i]!, 0);
  for (let it = 0; it < iterations; it++) {
    direction.set(grad);
    for (let k = s.length - 1; k >= 0; k--) {
      alpha[k] = dot(s[k]!, direction) / dot(y[k]!, s[k]!);
      for (let i = 0; i < d; i++) direction[i]! -= alpha[k]! * y[k]![i]!;
    }
    if (s.length > 0) {
      const last = s.length - 1;
      const gamma = dot(s[last]!, y[last]!) / dot(y[last]!, y[last]!);
      for (let i = 0; i < d; i++) direction[i]! *= gamma;
    }
    for (let k = 0; k < s.length; k++) {
      const beta = dot(y[k]!, direction) / dot(y[k]!, s[k]!);
      for (let i = 0; i < d; i++) direction[i]! += s[k]![i]! * (alpha[k]! - beta);
    }
    const slope = -dot(grad, direction);
    let step = 1;
    let next = Infinity;
    for (let tries = 0; tries < 30; tries++) {
      for (let i = 0; i < d; i++) trial[i] = w[i]! - step * direction[i]!;
      next = f(trial, trialGrad);
      if (next <= loss + 1e-4 * step * slope) break;
      step /= 2;
    }
    if (!(next < loss)) break;
    const sk = new Float64Array(d);
    const yk = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      sk[i] = trial[i]! - w[i]!;
      yk[i] = trialGrad[i]! - grad[i]!;
    }
    if (dot(sk, yk) > 1e-12) {
      s.push(sk);
      y.push(yk);
      if (s.length > memory) {
        s.shift();
        y.shift();
      }
    }
    w.set(trial);
    grad.set(trialGrad);
    const improvement = loss - next;
    loss = next;
    if (improvement < 1e-9 * Math.max(1, Math.abs(loss))) break;
  }
}

export function trainLogistic(
  matrix: FeatureMatrix,
  labels: Uint8Array,
  options: { kinds: readonly FeatureKind[]; categoryCounts: readonly number[]; weights?: Float64Array; l2?: number },
): LogisticModel {
  if (labels.length !== matrix.rows) throw new Error(`${matrix.rows} rows but ${labels.length} labels`);
  const l2 = options.l2 ?? 1;
  const numeric: LogisticModel['numeric'] = [];
  const categorical: LogisticModel['categorical'] = [];
  options.kinds.forEach((kind, column) => {
    if (kind === 'categorical') {
      categorical.push({ column, coefs: new Array(Math.max(0, options.categoryCounts[column] ?? 0)).fill(0), missing: 0 });
      return;
    }
    let sum = 0;
    let count = 0;
    for (let r = 0; r < matrix.rows; r++) {
      const v = matrix.values[r * matrix.cols + column]!;
      if (Number.isFinite(v)) {
        sum += v;
        count++;
      }
    }
    const mean = count ? sum / count : 0;
    let variance = 0;
    for (let r = 0; r < matrix.rows; r++) {
      const v = matrix.values[r * matrix.cols + column]!;
      if (Number.isFinite(v)) variance += (v - mean) ** 2;
    }
    const scale = count > 1 && variance > 0 ? Math.sqrt(variance / (count - 1)) : 1;
    numeric.push({ column, mean, scale, coef: 0, missing: 0 });
  });
  const shape = { kind: 'logistic' as const, l2, numeric, categorical };
  const { width, x } = design(shape, matrix);
  const n = matrix.rows;
  const weights = options.weights ?? new Float64Array(n).fill(1);
  const total = weights.reduce((a, b) => a + b, 0);
  const w = new Float64Array(width + 1); // last: intercept
  const margin = new Float64Array(n);
  const objective = (params: Float64Array, grad: Float64Array) => {
    grad.fill(0);
    let loss = 0;
    const b = params[width]!;
    for (let r = 0; r < n; r++) {
      let m = b;
      const row = r * width;
      for (let k = 0; k < width; k++) m += x[row + k]! * params[k]!;
      margin[r] = m;
      const wt = weights[r]! / total;
      loss += wt * (Math.max(m, 0) - (labels[r] ? m : 0) + Math.log1p(Math.exp(-Math.abs(m))));
      const residual = wt * (1 / (1 + Math.exp(-m)) - labels[r]!);
      for (let k = 0; k < width; k++) grad[k]! += residual * x[row + k]!;
      grad[width]! += residual;
    }
    // The penalty is per row of data, so its strength does not change with the data's size.
    for (let k = 0; k < width; k++) {
      loss += (0.5 * l2 * params[k]! ** 2) / n;
      grad[k]! += (l2 * params[k]!) / n;
    }
    return loss;
  };
  lbfgs(objective, w, 80);
  let k = 0;
  for (const c of numeric) {
    c.coef = w[k]!;
    c.missing = w[k + 1]!;
    k += 2;
  }
  for (const c of categorical) {
    for (let j = 0; j < c.coefs.length; j++) c.coefs[j] = w[k + j]!;
    c.missing = w[k + c.coefs.length]!;
    k += c.coefs.length + 1;
  }
  return { ...shape, intercept: w[width]! };
}

export function predictLogisticMargin(model: LogisticModel, matrix: FeatureMatrix): Float64Array {
  const out = new Float64Array(matrix.rows).fill(model.intercept);
  for (let r = 0; r < matrix.rows; r++) {
    let m = 0;
    for (const n of model.numeric) {
      const v = matrix.values[r * matrix.cols + n.column]!;
      m += Number.isNaN(v) ? n.missing : n.coef * Math.max(-5, Math.min(5, (v - n.mean) / n.scale));
    }
    for (const c of model.categorical) {
      const v = matrix.values[r * matrix.cols + c.column]!;
      m += Number.isInteger(v) && v >= 0 && v < c.coefs.length ? c.coefs[v]! : c.missing;
    }
    out[r]! += m;
  }
  return out;
}
