import { auc, calibrationError } from '../model/metrics.js';

/** One scored lead whose outcome is known: the score it had before the outcome, and the outcome. */
export interface ScoredOutcome {
  leadId: string;
  /** Calibrated probability (composite / 100) of the last score before the outcome. */
  probability: number;
  /** Whether that score put the lead in the top (Hot) tier. */
  hot: boolean;
  converted: boolean;
  segments: { source: string; country: string; sizeBand: string };
}

export interface ReliabilityBin {
  from: number;
  to: number;
  leads: number;
  /** Mean predicted probability in the bin. */
  predicted: number | null;
  /** Share that converted. */
  observed: number | null;
}

export type Accuracy =
  | {
      status: 'ok';
      outcomes: number;
      conversions: number;
      auc: number;
      /** Of leads that were Hot, the share that converted; null when none was Hot. */
      precisionAtHot: number | null;
      /** Of leads that converted, the share that were Hot. */
      recallAtHot: number;
      hotLeads: number;
      ece: number;
      reliability: ReliabilityBin[];
    }
  | { status: 'not_enough_outcomes'; outcomes: number; conversions: number; needed: { outcomes: number; conversions: number; nonConversions: number }; message: string };

export interface AccuracyMinimum {
  outcomes: number;
  /** Of each class: AUC needs both. */
  perClass: number;
}

/** Ten equal-width bins of predicted probability: what a calibration curve plots. */
export function reliabilityTable(probabilities: readonly number[], labels: readonly number[], bins = 10): ReliabilityBin[] {
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) out.push({ from: b / bins, to: (b + 1) / bins, leads: 0, predicted: 0, observed: 0 });
  probabilities.forEach((p, i) => {
    const bin = out[Math.min(bins - 1, Math.floor(p * bins))]!;
    bin.leads++;
    bin.predicted! += p;
    bin.observed! += labels[i] ? 1 : 0;
  });
  for (const bin of out) {
    if (bin.leads === 0) {
      bin.predicted = null;
      bin.observed = null;
    } else {
      bin.predicted = bin.predicted! / bin.leads;
      bin.observed = bin.observed! / bin.leads;
    }
  }
  return out;
}

/**
 * Accuracy of the scores leads had before their outcomes: AUC, precision and recall of the Hot
 * tier, expected calibration error and the reliability table. With too few outcomes (or one
 * class only) the answer says so instead of giving numbers that mean nothing.
 */
export function measureAccuracy(rows: readonly ScoredOutcome[], minimum: AccuracyMinimum): Accuracy {
  const conversions = rows.filter((r) => r.converted).length;
  const nonConversions = rows.length - conversions;
  if (rows.length < minimum.outcomes || conversions < minimum.perClass || nonConversions < minimum.perClass) {
    return {
      status: 'not_enough_outcomes',
      outcomes: rows.length,
      conversions,
      needed: { outcomes: minimum.outcomes, conversions: minimum.perClass, nonConversions: minimum.perClass },
      message: `not enough outcomes yet: ${rows.length} scored leads got an outcome (${conversions} converted); accuracy needs at least ${minimum.outcomes}, with ${minimum.perClass} of each kind`,
    };
  }
  const p = rows.map((r) => r.probability);
  const y = rows.map((r) => (r.converted ? 1 : 0));
  const hot = rows.filter((r) => r.hot);
  const hotConverted = hot.filter((r) => r.converted).length;
  return {
    status: 'ok',
    outcomes: rows.length,
    conversions,
    auc: auc(p, y),
    precisionAtHot: hot.length > 0 ? hotConverted / hot.length : null,
    recallAtHot: hotConverted / conversions,
    hotLeads: hot.length,
    ece: calibrationError(p, y),
    reliability: reliabilityTable(p, y),
  };
}

export const SEGMENT_KINDS = ['source', 'country', 'sizeBand'] as const;
export type SegmentKind = (typeof SEGMENT_KINDS)[number];

/** Accuracy per value of each segment kind (lead source, country, company-size band). */
export function accuracyBySegment(rows: readonly ScoredOutcome[], minimum: AccuracyMinimum): Array<{ kind: SegmentKind; value: string; accuracy: Accuracy }> {
  const out: Array<{ kind: SegmentKind; value: string; accuracy: Accuracy }> = [];
  for (const kind of SEGMENT_KINDS) {
    const groups = new Map<string, ScoredOutcome[]>();
    for (const r of rows) {
      const key = r.segments[kind];
      let list = groups.get(key);
      if (!list) groups.set(key, (list = []));
      list.push(r);
    }
    for (const [value, list] of [...groups].sort((a, b) => b[1].length - a[1].length)) out.push({ kind, value, accuracy: measureAccuracy(list, minimum) });
  }
  return out;
}
