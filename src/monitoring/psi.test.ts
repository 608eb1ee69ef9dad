import { describe, expect, it } from 'vitest';
import { binCategorical, binNumeric, psi, psiBand, quantileEdges } from './psi.js';

describe('population stability index', () => {
  it('is 0 for identical distributions, whatever the counts', () => {
    expect(psi([10, 20, 30], [1, 2, 3])).toBeCloseTo(0, 12);
  });

  it('matches the formula on a known pair of distributions', () => {
    // expected 50/50, actual 80/20: (0.8-0.5) ln(0.8/0.5) + (0.2-0.5) ln(0.2/0.5)
    const want = 0.3 * Math.log(1.6) + -0.3 * Math.log(0.4);
    expect(psi([50, 50], [80, 20])).toBeCloseTo(want, 12);
    expect(want).toBeCloseTo(0.4159, 4);
  });

  it('is symmetric in its two sides and grows with the shift', () => {
    const small = psi([25, 25, 25, 25], [30, 25, 25, 20]);
    const large = psi([25, 25, 25, 25], [55, 25, 15, 5]);
    expect(psi([30, 25, 25, 20], [25, 25, 25, 25])).toBeCloseTo(small, 12);
    expect(small).toBeLessThan(0.1);
    expect(large).toBeGreaterThan(0.25);
  });

  it('counts a bin seen on one side only without becoming infinite', () => {
    const value = psi([100, 0], [50, 50]);
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThan(1);
  });

  it('is NaN for an empty side and refuses bins that do not match', () => {
    expect(psi([0, 0], [1, 2])).toBeNaN();
    expect(() => psi([1, 2], [1, 2, 3])).toThrow(/same bins/);
  });

  it('names its bands at the usual cut-offs', () => {
    expect(psiBand(0.05)).toBe('stable');
    expect(psiBand(0.1)).toBe('stable');
    expect(psiBand(0.2)).toBe('moderate');
    expect(psiBand(0.25)).toBe('moderate');
    expect(psiBand(0.26)).toBe('major');
  });
});

describe('binning', () => {
  it('cuts numeric values at quantiles of the reference and keeps missing values apart', () => {
    const reference = Array.from({ length: 100 }, (_, i) => i);
    const edges = quantileEdges(reference, 4);
    expect(edges).toEqual([25, 50, 75]);
    expect(binNumeric([0, 24, 25, 60, 99, NaN], edges)).toEqual([2, 1, 1, 1, 1]);
  });

  it('gives a feature with few distinct values fewer bins', () => {
    expect(quantileEdges([0, 0, 0, 0, 0, 0, 0, 1, 1, 1], 10)).toEqual([1]);
    expect(quantileEdges([NaN, NaN])).toEqual([]);
  });

  it('counts categories by code, unknown and missing together at the end', () => {
    expect(binCategorical([0, 1, 1, 2, NaN, 7], 3)).toEqual([1, 2, 1, 2]);
  });

  it('finds no drift between two samples of one distribution and a major one after a shift', () => {
    const sample = (n: number, shift: number) => Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000 + shift);
    const reference = sample(2000, 0);
    const edges = quantileEdges(reference);
    expect(psi(binNumeric(reference, edges), binNumeric(sample(1500, 0), edges))).toBeLessThan(0.02);
    expect(psi(binNumeric(reference, edges), binNumeric(sample(1500, 0.4), edges))).toBeGreaterThan(0.25);
  });
});
