import { describe, expect, it } from 'vitest';
import { applyCalibration, chooseCalibration, fitIsotonic, fitPlatt } from './calibrate.js';
import { calibrationError, logLoss } from './metrics.js';
import { rng } from '../../test/helpers/random.js';


/** Margins and labels drawn from a known true probability of the margin. */
function sample(n: number, truth: (m: number) => number, seed: number) {
  const next = rng(seed);
  const margins = Float64Array.from({ length: n }, () => next() * 8 - 4);
  const labels = Uint8Array.from(margins, (m) => (next() < truth(m) ? 1 : 0));
  return { margins, labels };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe('calibration', () => {
  it('Platt scaling recovers a known sigmoid', () => {
    const { margins, labels } = sample(20000, (m) => sigmoid(0.5 * m - 1), 1);
    const fit = fitPlatt(margins, labels);
    expect(fit).toMatchObject({ method: 'platt', a: expect.closeTo(0.5, 1), b: expect.closeTo(-1, 1) });
  });

  it('isotonic regression is monotone and fixes a map a sigmoid cannot', () => {
    const truth = (m: number) => (m < 0 ? 0.05 : m < 2 ? 0.5 : 0.95); // steps
    const train = sample(20000, truth, 2);
    const test = sample(20000, truth, 3);
    const iso = fitIsotonic(train.margins, train.labels);
    const p = applyCalibration(iso, Float64Array.from({ length: 81 }, (_, i) => -4 + i / 10));
    for (let i = 1; i < p.length; i++) expect(p[i]!).toBeGreaterThanOrEqual(p[i - 1]!);
    const isoLoss = logLoss(applyCalibration(iso, test.margins), test.labels);
    const plattLoss = logLoss(applyCalibration(fitPlatt(train.margins, train.labels), test.margins), test.labels);
    expect(isoLoss).toBeLessThan(plattLoss - 0.01);
    expect(calibrationError(applyCalibration(iso, test.margins), test.labels)).toBeLessThan(0.02);
  });

  it('chooses isotonic for a step-shaped truth and Platt for a sigmoid one', () => {
    const steps = sample(20000, (m) => (m < 1 ? 0.1 : 0.7), 4);
    expect(chooseCalibration(steps.margins, steps.labels).calibration.method).toBe('isotonic');
    const smooth = sample(3000, (m) => sigmoid(m), 5);
    const chosen = chooseCalibration(smooth.margins, smooth.labels);
    expect(chosen.calibration.method).toBe('platt');
    expect(chosen.logLoss.isotonic).toBeGreaterThan(chosen.logLoss.platt);
  });

  it('turns overconfident margins into honest probabilities', () => {
    const { margins, labels } = sample(20000, (m) => sigmoid(m / 3), 6); // the raw sigmoid is 3x too sure
    const raw = applyCalibration({ method: 'none' }, margins);
    const fixed = applyCalibration(chooseCalibration(margins, labels).calibration, margins);
    expect(calibrationError(raw, labels)).toBeGreaterThan(0.1);
    expect(calibrationError(fixed, labels)).toBeLessThan(0.02);
  });

  it('refuses held-out rows of one outcome', () => {
    expect(() => chooseCalibration([0.1, 0.2], [1, 1])).toThrow(/both outcomes/);
  });
});
