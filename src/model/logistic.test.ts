import { describe, expect, it } from 'vitest';
import { auc } from './metrics.js';
import { predictLogisticMargin, trainLogistic } from './logistic.js';
import { rng } from '../../test/helpers/random.js';


describe('trainLogistic', () => {
  it('recovers known effects of numbers, categories and missingness', () => {
    const next = rng(9);
    const rows = 20000;
    const values = new Float64Array(rows * 3);
    const labels = new Uint8Array(rows);
    for (let r = 0; r < rows; r++) {
      const a = next() * 2 - 1;
      const cat = Math.floor(next() * 3);
      const b = next() < 0.2 ? NaN : next();
      values.set([a, cat, b], r * 3);
      const logit = 2 * a + [0, 1, -1][cat]! + (Number.isNaN(b) ? 1 : 0) - 0.5;
      labels[r] = next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    }
    const matrix = { rows, cols: 3, values };
    const model = trainLogistic(matrix, labels, { kinds: ['numeric', 'categorical', 'numeric'], categoryCounts: [0, 3, 0], l2: 0.1 });
    const a = model.numeric.find((n) => n.column === 0)!;
    expect(a.coef / a.scale).toBeCloseTo(2, 0);
    const [c0, c1, c2] = model.categorical[0]!.coefs;
    expect(c1! - c0!).toBeCloseTo(1, 0);
    expect(c2! - c0!).toBeCloseTo(-1, 0);
    const b = model.numeric.find((n) => n.column === 2)!;
    expect(b.missing - b.coef * ((0.5 - b.mean) / b.scale)).toBeCloseTo(1, 0);
    const margin = predictLogisticMargin(model, matrix);
    expect(auc(margin, labels)).toBeGreaterThan(0.75);
    // An unseen category code is scored as missing, not as nonsense.
    expect(Number.isFinite(predictLogisticMargin(model, { rows: 1, cols: 3, values: Float64Array.of(0, 9, Infinity) })[0]!)).toBe(true);
  });
});
