import { describe, expect, it } from 'vitest';
import { compareOnHoldout, decidePromotion, type Comparison } from './evaluate.js';

/** Labels and two score columns: `good` ranks converters higher than `weak` does. */
function sample(n: number, seed: number) {
  let s = seed;
  const random = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const labels = new Uint8Array(n);
  const good = new Float64Array(n);
  const weak = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = random() < 0.2 ? 1 : 0;
    good[i] = Math.min(0.99, Math.max(0.01, 0.2 + (labels[i] ? 0.25 : -0.05) + (random() - 0.5) * 0.4));
    weak[i] = Math.min(0.99, Math.max(0.01, 0.2 + (labels[i] ? 0.05 : 0) + (random() - 0.5) * 0.4));
  }
  return { labels, good, weak };
}

const comparison = (auc: { champion: number; challenger: number; ci95: [number, number] }, ece = { champion: 0.02, challenger: 0.02 }): Comparison => ({
  rows: 1000,
  positives: 200,
  resamples: 200,
  seed: 1,
  auc: { ...auc, difference: auc.challenger - auc.champion },
  ece: { ...ece, difference: ece.challenger - ece.champion, ci95: [0, 0] },
  liftTopDecile: { champion: 2, challenger: 2, difference: 0, ci95: [0, 0] },
});

describe('comparing champion and challenger', () => {
  it('measures both on the same rows and gives a bootstrap interval around the difference, the same for the same seed', () => {
    const { labels, good, weak } = sample(2000, 3);
    const c = compareOnHoldout(weak, good, labels, { seed: 9, resamples: 100 });
    expect(c.auc.challenger).toBeGreaterThan(c.auc.champion);
    expect(c.auc.ci95[0]).toBeGreaterThan(0);
    expect(c.auc.ci95[0]).toBeLessThan(c.auc.difference);
    expect(c.auc.ci95[1]).toBeGreaterThan(c.auc.difference);
    expect(c.liftTopDecile.difference).toBeGreaterThan(0);
    expect(compareOnHoldout(weak, good, labels, { seed: 9, resamples: 100 })).toEqual(c);
    expect(compareOnHoldout(weak, good, labels, { seed: 10, resamples: 100 }).auc.ci95).not.toEqual(c.auc.ci95);
    // The same model on both sides: no difference, an interval of zero.
    const same = compareOnHoldout(good, good, labels, { resamples: 50 });
    expect(same.auc.difference).toBe(0);
    expect(same.auc.ci95).toEqual([0, 0]);
  });

  it('promotes only by the margin, with the interval above zero and calibration not worse than the tolerance', () => {
    expect(decidePromotion(comparison({ champion: 0.7, challenger: 0.72, ci95: [0.01, 0.03] }), 0.01).promote).toBe(true);
    const short = decidePromotion(comparison({ champion: 0.7, challenger: 0.705, ci95: [0.001, 0.01] }), 0.01);
    expect(short).toMatchObject({ promote: false, reason: expect.stringMatching(/gain of at least 0\.0100/) });
    expect(decidePromotion(comparison({ champion: 0.7, challenger: 0.72, ci95: [-0.005, 0.04] }), 0.01)).toMatchObject({ promote: false, reason: expect.stringMatching(/luck/) });
    expect(decidePromotion(comparison({ champion: 0.7, challenger: 0.75, ci95: [0.02, 0.08] }, { champion: 0.01, challenger: 0.05 }), 0.01)).toMatchObject({
      promote: false,
      reason: expect.stringMatching(/calibration error 0\.0500 is worse/),
    });
    expect(decidePromotion(comparison({ champion: 0.7, challenger: NaN, ci95: [NaN, NaN] }), 0).promote).toBe(false);
  });
});

describe('figures of the comparison', () => {
  it('equal the model metrics on the full sample', async () => {
    const { auc, calibrationError } = await import('../model/metrics.js');
    const { labels, good, weak } = sample(1500, 5);
    const c = compareOnHoldout(weak, good, labels, { resamples: 5 });
    expect(c.auc.challenger).toBeCloseTo(auc(good, labels), 12);
    expect(c.auc.champion).toBeCloseTo(auc(weak, labels), 12);
    expect(c.ece.challenger).toBeCloseTo(calibrationError(good, labels), 12);
  });
});
