import { describe, expect, it } from 'vitest';
import { auc, brier, calibrationError, lift, logLoss, prAuc, precisionAtK } from './metrics.js';

describe('metrics', () => {
  it('computes AUC with ties as average ranks', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75);
    expect(auc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1])).toBe(0.5);
    expect(auc([0.9, 0.1], [0, 1])).toBe(0);
    expect(auc([0.3, 0.6], [1, 1])).toBeNaN();
  });

  it('computes average precision, log loss, Brier score, precision at k and lift', () => {
    expect(prAuc([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 0])).toBeCloseTo((1 + 2 / 3) / 2);
    expect(logLoss([0.5, 0.5], [0, 1])).toBeCloseTo(Math.LN2);
    expect(brier([1, 0, 0.5], [1, 0, 1])).toBeCloseTo(0.25 / 3);
    expect(precisionAtK([0.9, 0.8, 0.1, 0.2], [1, 0, 0, 1], 2)).toBe(0.5);
    expect(lift([0.9, 0.8, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.05], [1, 0, 0, 0, 0, 0, 0, 0, 0, 1], 0.1)).toBe(5);
  });

  it('finds no calibration error where predictions match the rates, and a large one where they do not', () => {
    const labels = Array.from({ length: 1000 }, (_, i) => (i % 10 < 3 ? 1 : 0));
    expect(calibrationError(new Array(1000).fill(0.3), labels)).toBeCloseTo(0, 10);
    expect(calibrationError(new Array(1000).fill(0.8), labels)).toBeCloseTo(0.5, 10);
  });

  it('refuses mismatched lengths', () => {
    expect(() => auc([0.1], [0, 1])).toThrow(/1 scores but 2 labels/);
  });
});
