import { describe, expect, it } from 'vitest';
import { compareAucsPaired, compareAucsUnpaired, normalCdf } from './auc-test.js';
import { auc } from './metrics.js';
import { rng } from '../../test/helpers/random.js';

/** Outcomes with a latent signal, and two noisy scores of it (noise sd `noiseA`, `noiseB`), scores rounded to make ties. */
function sample(n: number, next: () => number, noiseA: number, noiseB: number) {
  const gauss = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  const labels: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) {
    const signal = gauss();
    labels.push(next() < 1 / (1 + Math.exp(-1.5 * signal)) ? 1 : 0);
    a.push(Math.round((signal + noiseA * gauss()) * 10) / 10);
    b.push(Math.round((signal + noiseB * gauss()) * 10) / 10);
  }
  return { labels, a, b };
}

describe("DeLong's test of two AUCs", () => {
  it('gives the normal distribution function', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
    expect(normalCdf(-3)).toBeCloseTo(0.0013499, 6);
  });

  it('measures the AUCs as `auc` does, ties counting half', () => {
    const { labels, a, b } = sample(300, rng(3), 0.5, 1);
    const result = compareAucsPaired(a, b, labels)!;
    expect(result.aucA).toBeCloseTo(auc(a, labels), 12);
    expect(result.aucB).toBeCloseTo(auc(b, labels), 12);
    expect(result.difference).toBeCloseTo(result.aucA - result.aucB, 12);
  });

  it('matches the variance of the placements counted pair by pair', () => {
    const labels = [1, 0, 1, 1, 0, 0, 1, 0, 0];
    const a = [0.9, 0.3, 0.6, 0.6, 0.6, 0.1, 0.2, 0.5, 0.2];
    const b = [0.8, 0.7, 0.4, 0.9, 0.2, 0.3, 0.5, 0.1, 0.5];
    const psi = (x: number, y: number) => (x > y ? 1 : x === y ? 0.5 : 0);
    const pos = (s: number[]) => s.filter((_, i) => labels[i]);
    const neg = (s: number[]) => s.filter((_, i) => !labels[i]);
    const v10 = (s: number[]) => pos(s).map((x) => neg(s).reduce((t, y) => t + psi(x, y), 0) / neg(s).length);
    const v01 = (s: number[]) => neg(s).map((y) => pos(s).reduce((t, x) => t + psi(x, y), 0) / pos(s).length);
    const cov = (u: number[], v: number[]) => {
      const mu = u.reduce((s, x) => s + x, 0) / u.length;
      const mv = v.reduce((s, x) => s + x, 0) / v.length;
      return u.reduce((s, x, i) => s + (x - mu) * (v[i]! - mv), 0) / (u.length - 1);
    };
    const variance = (cov(v10(a), v10(a)) + cov(v10(b), v10(b)) - 2 * cov(v10(a), v10(b))) / 4 + (cov(v01(a), v01(a)) + cov(v01(b), v01(b)) - 2 * cov(v01(a), v01(b))) / 5;
    const result = compareAucsPaired(a, b, labels)!;
    expect(result.standardError).toBeCloseTo(Math.sqrt(variance), 12);
    const unpaired = compareAucsUnpaired(a, labels, b, labels)!;
    expect(unpaired.standardError).toBeCloseTo(Math.sqrt(cov(v10(a), v10(a)) / 4 + cov(v01(a), v01(a)) / 5 + cov(v10(b), v10(b)) / 4 + cov(v01(b), v01(b)) / 5), 12);
  });

  it('rejects equal models about 5% of the time at p < 0.05, paired and unpaired', () => {
    const next = rng(11);
    let paired = 0;
    let unpaired = 0;
    const runs = 400;
    for (let k = 0; k < runs; k++) {
      const { labels, a, b } = sample(200, next, 1, 1);
      if (compareAucsPaired(a, b, labels)!.pValue < 0.05) paired++;
      const other = sample(200, next, 1, 1);
      if (compareAucsUnpaired(a, labels, other.b, other.labels)!.pValue < 0.05) unpaired++;
    }
    // 5% of 400 is 20; a binomial count falls in 8-34 with probability above 99.8%.
    expect(paired).toBeGreaterThanOrEqual(8);
    expect(paired).toBeLessThanOrEqual(34);
    expect(unpaired).toBeGreaterThanOrEqual(8);
    expect(unpaired).toBeLessThanOrEqual(34);
  });

  it('finds a better model, more surely when paired', () => {
    const { labels, a, b } = sample(1000, rng(5), 0.3, 1.5);
    const paired = compareAucsPaired(a, b, labels)!;
    expect(paired.difference).toBeGreaterThan(0.05);
    expect(paired.pValue).toBeLessThan(1e-6);
    expect(paired.interval95[0]).toBeGreaterThan(0);
    const unpaired = compareAucsUnpaired(a, labels, b, labels)!;
    expect(unpaired.standardError).toBeGreaterThan(paired.standardError);
  });

  it('needs two outcomes of each kind', () => {
    expect(compareAucsPaired([0.1, 0.9, 0.5], [0.2, 0.8, 0.4], [0, 1, 0])).toBeNull();
    expect(compareAucsUnpaired([0.1, 0.9, 0.5, 0.7], [0, 1, 0, 1], [0.2], [1])).toBeNull();
    expect(() => compareAucsPaired([0.1], [0.2, 0.3], [0, 1])).toThrow(/1 and 2 scores for 2 outcomes/);
  });
});
