import { describe, expect, it } from 'vitest';
import { accuracyBySegment, measureAccuracy, reliabilityTable, type ScoredOutcome } from './accuracy.js';

const row = (probability: number, converted: boolean, hot: boolean, source = 'referral', country = 'US'): ScoredOutcome => ({
  leadId: `L${probability}-${converted}`,
  probability,
  hot,
  converted,
  segments: { source, country, sizeBand: '50-499' },
});

// A hand-made set: 4 converted, 6 did not; Hot = the 3 highest scores.
const SET: ScoredOutcome[] = [
  row(0.9, true, true),
  row(0.8, true, true),
  row(0.7, false, true),
  row(0.6, true, false),
  row(0.5, false, false),
  row(0.4, false, false),
  row(0.3, true, false),
  row(0.2, false, false),
  row(0.1, false, false),
  row(0.05, false, false),
];

describe('accuracy on arrived outcomes', () => {
  it('gives AUC, precision and recall at Hot and the calibration error of a hand-made set', () => {
    const a = measureAccuracy(SET, { outcomes: 10, perClass: 2 });
    if (a.status !== 'ok') throw new Error(a.message);
    // Pairs (converted, not converted) ranked right: 0.9 and 0.8 beat all 6; 0.6 beats 5; 0.3 beats 3 -> 20 of 24.
    expect(a.auc).toBeCloseTo(20 / 24, 12);
    expect(a.precisionAtHot).toBeCloseTo(2 / 3, 12);
    expect(a.recallAtHot).toBeCloseTo(2 / 4, 12);
    expect(a.hotLeads).toBe(3);
    expect(a.outcomes).toBe(10);
    expect(a.conversions).toBe(4);
    // ECE by hand: bins of width 0.1, sum |sum p - sum y| / n.
    const byHand = (Math.abs(0.9 - 1) + Math.abs(0.8 - 1) + Math.abs(0.7 - 0) + Math.abs(0.6 - 1) + 0.5 + 0.4 + Math.abs(0.3 - 1) + 0.2 + 0.1 + 0.05) / 10;
    expect(a.ece).toBeCloseTo(byHand, 12);
    expect(a.reliability).toHaveLength(10);
    expect(a.reliability[9]).toEqual({ from: 0.9, to: 1, leads: 1, predicted: 0.9, observed: 1 });
    expect(a.reliability[0]).toEqual({ from: 0, to: 0.1, leads: 1, predicted: 0.05, observed: 0 });
  });

  it('says "not enough outcomes" instead of giving zeros when there are none yet', () => {
    const a = measureAccuracy([], { outcomes: 50, perClass: 10 });
    expect(a.status).toBe('not_enough_outcomes');
    if (a.status !== 'not_enough_outcomes') return;
    expect(a.outcomes).toBe(0);
    expect(a.message).toMatch(/not enough outcomes yet: 0 scored leads/);
    expect(a).not.toHaveProperty('auc');
  });

  it('refuses a window with one class only, however many outcomes it has', () => {
    const a = measureAccuracy(Array.from({ length: 100 }, (_, i) => row(i / 100, false, false)), { outcomes: 50, perClass: 10 });
    expect(a.status).toBe('not_enough_outcomes');
  });

  it('leaves precision at Hot null when no lead was Hot', () => {
    const a = measureAccuracy(SET.map((r) => ({ ...r, hot: false })), { outcomes: 10, perClass: 2 });
    expect(a.status === 'ok' && a.precisionAtHot).toBeNull();
    expect(a.status === 'ok' && a.recallAtHot).toBe(0);
  });

  it('measures each segment on its own rows', () => {
    const mixed = [...SET, ...SET.map((r) => ({ ...r, segments: { ...r.segments, source: 'list_import', country: 'DE' }, probability: 1 - r.probability }))];
    const segments = accuracyBySegment(mixed, { outcomes: 10, perClass: 2 });
    const referral = segments.find((s) => s.kind === 'source' && s.value === 'referral')!.accuracy;
    const list = segments.find((s) => s.kind === 'source' && s.value === 'list_import')!.accuracy;
    expect(referral.status === 'ok' && referral.auc).toBeCloseTo(20 / 24, 12);
    expect(list.status === 'ok' && list.auc).toBeCloseTo(4 / 24, 12);
    expect(segments.filter((s) => s.kind === 'sizeBand')).toHaveLength(1);
  });

  it('gives the ROC curve and the lift by decile of the hand-made set', () => {
    const a = measureAccuracy(SET, { outcomes: 10, perClass: 2 });
    if (a.status !== 'ok') throw new Error(a.message);
    expect(a.roc[0]).toEqual({ fpr: 0, tpr: 0 });
    expect(a.roc[1]).toEqual({ fpr: 0, tpr: 0.25 });
    expect(a.roc[3]).toEqual({ fpr: 1 / 6, tpr: 0.5 });
    expect(a.roc.at(-1)).toEqual({ fpr: 1, tpr: 1 });
    // One lead per decile: converted ones are deciles 1, 2, 4 and 7; the overall rate is 0.4.
    expect(a.lift.map((d) => d.conversionRate)).toEqual([1, 1, 0, 1, 0, 0, 1, 0, 0, 0]);
    expect(a.lift[0]).toEqual({ decile: 1, leads: 1, conversionRate: 1, lift: 2.5 });
  });

  it('builds a reliability table with empty bins left empty, not zero', () => {
    const table = reliabilityTable([0.05, 0.15, 0.16], [0, 1, 0]);
    expect(table[1]).toEqual({ from: 0.1, to: 0.2, leads: 2, predicted: 0.155, observed: 0.5 });
    expect(table[5]).toEqual({ from: 0.5, to: 0.6, leads: 0, predicted: null, observed: null });
  });
});
