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
      /** ROC curve: (false positive rate, true positive rate) from the highest threshold down, at most ~50 points. */
      roc: Array<{ fpr: number; tpr: number }>;
      /** Leads by score decile (1 = highest scores): their conversion rate and its lift over the overall rate. */
      lift: LiftDecile[];
    }
  | { status: 'not_enough_outcomes'; outcomes: number; conversions: number; needed: { outcomes: number; conversions: number; nonConversions: number }; message: string };

export interface LiftDecile {
  decile: number;
  leads: number;
  conversionRate: number;
  lift: number;
}

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
    roc: rocCurve(p, y),
    lift: liftByDecile(p, y),
  };
}

/** ROC points at each distinct score, thinned to about `maxPoints`; starts at (0,0) and ends at (1,1). */
export function rocCurve(scores: readonly number[], labels: readonly number[], maxPoints = 50): Array<{ fpr: number; tpr: number }> {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const positives = labels.reduce((n, y) => n + (y ? 1 : 0), 0);
  const negatives = labels.length - positives;
  const points = [{ fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    // Tied scores move together: one threshold cannot separate them.
    while (j < order.length && scores[order[j]!] === scores[order[i]!]) {
      if (labels[order[j]!]) tp++;
      else fp++;
      j++;
    }
    points.push({ fpr: negatives ? fp / negatives : 0, tpr: positives ? tp / positives : 0 });
    i = j;
  }
  if (points.length <= maxPoints) return points;
  const step = (points.length - 1) / (maxPoints - 1);
  return Array.from({ length: maxPoints }, (_, k) => points[Math.round(k * step)]!);
}

/** Conversion rate and lift of each tenth of the leads, highest scores first. */
export function liftByDecile(scores: readonly number[], labels: readonly number[]): LiftDecile[] {
  const order = scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const overall = labels.reduce((n, y) => n + (y ? 1 : 0), 0) / labels.length;
  return Array.from({ length: 10 }, (_, d) => {
    const rows = order.slice(Math.round((d * order.length) / 10), Math.round(((d + 1) * order.length) / 10));
    const rate = rows.length ? rows.reduce((n, i) => n + (labels[i] ? 1 : 0), 0) / rows.length : 0;
    return { decile: d + 1, leads: rows.length, conversionRate: rate, lift: overall > 0 ? rate / overall : 0 };
  });
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
