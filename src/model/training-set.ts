import type { FeatureMatrix, FeatureSpec } from '../features/index.js';
import { buildSpec, featurizeMany, inferAttributeFeatures } from '../features/index.js';
import type { LeadHistory } from '../sync/index.js';

const DAY = 86_400_000;

/** How much data a tenant needs before its own models replace the shipped default. */
export const TRAINING_MINIMUM = { outcomes: 300, conversions: 30, nonConversions: 30 } as const;

export interface TrainingSet {
  spec: FeatureSpec;
  matrix: FeatureMatrix;
  labels: Uint8Array;
  /** Outcome times (ms), ascending: rows are in time order. */
  times: Float64Array;
  /** Recency weights: an outcome `halfLifeDays` older than the newest counts half. */
  weights: Float64Array;
  leadIds: string[];
}

export class NotEnoughDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotEnoughDataError';
  }
}

/**
 * Leads with an outcome, each featurized as of its outcome time (activity after it never
 * counts), in time order. The spec is made from these leads (custom attributes typed here).
 */
export function buildTrainingSet(
  histories: readonly LeadHistory[],
  options: { halfLifeDays?: number; recencyHalfLifeDays?: number; spec?: FeatureSpec } = {},
): TrainingSet {
  const closed = histories.filter((h) => h.outcome !== null).sort((a, b) => a.outcome!.outcomeAt.getTime() - b.outcome!.outcomeAt.getTime());
  const conversions = closed.filter((h) => h.outcome!.converted).length;
  const m = TRAINING_MINIMUM;
  if (closed.length < m.outcomes || conversions < m.conversions || closed.length - conversions < m.nonConversions) {
    throw new NotEnoughDataError(
      `training needs at least ${m.outcomes} outcomes with at least ${m.conversions} conversions and ${m.nonConversions} non-conversions; ` +
        `this data has ${closed.length} outcomes, ${conversions} converted`,
    );
  }
  const spec = options.spec ?? buildSpec(inferAttributeFeatures(closed.map((h) => h.lead)), options.halfLifeDays);
  const matrix = featurizeMany(
    spec,
    closed.map((h) => ({ lead: h.lead, activities: h.activities, asOf: h.outcome!.outcomeAt })),
  );
  const times = Float64Array.from(closed, (h) => h.outcome!.outcomeAt.getTime());
  const newest = times[times.length - 1]!;
  const halfLife = (options.recencyHalfLifeDays ?? 365) * DAY;
  return {
    spec,
    matrix,
    labels: Uint8Array.from(closed, (h) => (h.outcome!.converted ? 1 : 0)),
    times,
    weights: Float64Array.from(times, (t) => Math.pow(0.5, (newest - t) / halfLife)),
    leadIds: closed.map((h) => h.lead.id),
  };
}

/** The columns `columns` of a matrix, as a matrix of their own. */
export function selectColumns(matrix: FeatureMatrix, columns: readonly number[]): FeatureMatrix {
  const values = new Float64Array(matrix.rows * columns.length);
  for (let r = 0; r < matrix.rows; r++) {
    const from = r * matrix.cols;
    const to = r * columns.length;
    for (let c = 0; c < columns.length; c++) values[to + c] = matrix.values[from + columns[c]!]!;
  }
  return { rows: matrix.rows, cols: columns.length, values };
}

/** Rows [from, to) of a matrix. */
export function sliceRows(matrix: FeatureMatrix, from: number, to: number): FeatureMatrix {
  return { rows: to - from, cols: matrix.cols, values: matrix.values.subarray(from * matrix.cols, to * matrix.cols) };
}
