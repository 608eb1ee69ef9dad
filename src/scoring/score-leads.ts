import os from 'node:os';
import type { ScoreReason } from '../domain/index.js';
import { featurizeMany, type FeatureMatrix } from '../features/index.js';
import type { LoadedModel, LoadedModelSet } from '../model/artifact.js';
import { sizeBand } from '../model/model-set.js';
import { FastTreeShap } from '../model/gbdt/fast-shap.js';
import { ShapThreads, shapWorkerFile } from '../model/gbdt/shap-threads.js';
import type { TreeEnsemble } from '../model/tree.js';
import { selectColumns } from '../model/training-set.js';
import type { LeadHistory } from '../sync/index.js';
import { occlusionContributions } from './occlusion.js';
import { reasonSlots, reasonsFromSums } from './reasons.js';

export interface ScoredLead {
  leadId: string;
  /** Calibrated probability of conversion from the composite model. */
  probability: number;
  /** 0-100: 100 x the calibrated probability of each model. */
  composite: number;
  fit: number | null;
  engagement: number | null;
  /** Calibrated probabilities of the fit and engagement models (fit and engagement are 100 x these, rounded). */
  fitProbability: number | null;
  engagementProbability: number | null;
  /** Fit letter A-D and engagement digit 1-4, e.g. "B2". */
  grade: string | null;
  tier: 'Hot' | 'Warm' | 'Nurture';
  reasons: ScoreReason[];
}

const round1 = (x: number) => Math.round(x * 1000) / 10;

function letter(p: number, [a, b, c]: readonly [number, number, number]): number {
  return p >= a ? 0 : p >= b ? 1 : p >= c ? 2 : 3;
}

/**
 * Scores for leads as of `asOf` (one time, or each lead's own): each model's calibrated probability through onnxruntime, grade
 * and tier from the model's thresholds, and the composite model's reasons (exact TreeSHAP).
 */
export async function scoreHistories(
  models: LoadedModelSet,
  histories: readonly LeadHistory[],
  asOf: Date | ((history: LeadHistory, index: number) => Date),
  options: {
    reasons?: boolean;
    reasonsPerSide?: number;
    /** Threads for the reasons of a large batch, this one included (default: the machine's cores, up to 8). */
    threads?: number;
  } = {},
): Promise<ScoredLead[]> {
  if (histories.length === 0) return [];
  const threads = options.threads ?? DEFAULT_THREADS;
  // A large batch goes in parts of about PART_ROWS leads, so that a part's arrays stay in the
  // processor's cache from its features to its reasons. With worker threads and reasons, the parts
  // go one after the other on this thread (features, then the models), each part's TreeSHAP handed
  // to the workers as soon as its features exist: they work while this thread goes on, instead of
  // waiting for the features of the whole batch. Otherwise each part is finished before the next.
  const pipelined = options.reasons !== false && threadsFor(threads) !== null;
  const parts = histories.length >= 2 * PART_ROWS ? Math.ceil(histories.length / PART_ROWS) : 1;
  const size = Math.ceil(histories.length / parts);
  const finishes: Array<() => Promise<ScoredLead[]>> = [];
  const scored: ScoredLead[] = [];
  for (let from = 0; from < histories.length; from += size) {
    const part = histories.slice(from, from + size);
    const at = typeof asOf === 'function' ? (h: LeadHistory, i: number) => asOf(h, from + i) : asOf;
    const finish = await startScoring(models, part, at, options, threads);
    if (pipelined) finishes.push(finish);
    else for (const lead of await finish()) scored.push(lead);
  }
  for (const finish of finishes) for (const lead of await finish()) scored.push(lead);
  return scored;
}

/** Leads in a part of a large batch: at least two of the workers' chunks, and at least MIN_ROWS_FOR_THREADS. */
export const PART_ROWS = 4096;

/** Features, explanations started, every model run; what it returns waits for the explanations and gives the scores. */
async function startScoring(
  models: LoadedModelSet,
  histories: readonly LeadHistory[],
  asOf: Date | ((history: LeadHistory, index: number) => Date),
  options: { reasons?: boolean; reasonsPerSide?: number },
  threads: number,
): Promise<() => Promise<ScoredLead[]>> {
  const matrix = featurizeMany(
    models.spec,
    histories.map((h, i) => ({ lead: h.lead, activities: h.activities, asOf: typeof asOf === 'function' ? asOf(h, i) : asOf })),
  );
  const probabilityOf = async (name: 'fit' | 'engagement' | 'composite'): Promise<Float64Array | null> => {
    const model = models.models[name];
    if (!model) return null;
    return (await model.scorer.score(matrix, columnsOf(matrix, model.columns))).probability;
  };
  // Each lead's composite model: its company-size band's own where it has one.
  const groups = compositeGroups(models, matrix);
  const composite = new Float64Array(matrix.rows);
  // Contributions added up by reason topic (what the sentences need), a row of slots per lead.
  const slots = reasonSlots(models.spec);
  const sums = options.reasons === false ? null : new Float64Array(matrix.rows * slots.count);
  const parts = groups.map(({ model, rows }) => {
    const whole = rows.length === matrix.rows; // one group holds every row, in order
    return { model, rows, whole, part: whole ? matrix : rowsOf(matrix, rows) };
  });
  // Explanations start first: on a large batch, worker threads take them on while this one runs the models.
  const explanations = sums ? parts.map(({ model, part }) => startExplaining(models, model, part, slots, threads)) : [];
  // Every model's run is asked for before any is awaited: onnxruntime-node runs each in a later
  // turn of the event loop, so asked for together they run in the same turn, instead of one turn
  // each with other requests' work in between (which stretched a real-time batch's latency).
  // (Promise.all: a run that fails while another is awaited is not left unhandled.)
  const [compositeRuns, fit, engagement] = await Promise.all([
    Promise.all(parts.map(({ model, part }) => model.scorer.score(part, columnsOf(part, model.columns)))),
    probabilityOf('fit'),
    probabilityOf('engagement'),
  ]);
  for (const [g, { probability: p }] of compositeRuns.entries()) {
    const { rows, whole } = parts[g]!;
    if (whole) composite.set(p);
    else rows.forEach((r, i) => (composite[r] = p[i]!));
  }
  return async () => {
    for (const [g, finish] of explanations.entries()) {
      const { rows, whole } = parts[g]!;
      const c = await finish();
      if (whole) sums!.set(c);
      else rows.forEach((r, i) => sums!.set(c.subarray(i * slots.count, (i + 1) * slots.count), r * slots.count));
    }
    const width = matrix.cols;
    const perSide = options.reasonsPerSide ?? 3;
    const reasons = sums
      ? (row: number) =>
          reasonsFromSums(models.spec, matrix.values.subarray(row * width, (row + 1) * width), sums.subarray(row * slots.count, (row + 1) * slots.count), { perSide })
      : null;
    const t = models.manifest.thresholds;
    return histories.map((h, i) => {
      const p = composite[i]!;
      return {
        leadId: h.lead.id,
        probability: p,
        composite: round1(p),
        fit: fit ? round1(fit[i]!) : null,
        engagement: engagement ? round1(engagement[i]!) : null,
        fitProbability: fit ? fit[i]! : null,
        engagementProbability: engagement ? engagement[i]! : null,
        grade: fit && engagement ? `${'ABCD'[letter(fit[i]!, t.fit)]}${letter(engagement[i]!, t.engagement) + 1}` : null,
        tier: p >= t.composite[0] ? 'Hot' : p >= t.composite[1] ? 'Warm' : 'Nurture',
        reasons: reasons ? reasons(i) : [],
      };
    });
  };
}

/** The explainer's tables take a moment to build: once per loaded model (and once per worker thread). */
const explainers = new WeakMap<TreeEnsemble, { explainer: FastTreeShap; options: { slotOf: Int32Array; slots: number } }>();
function explainerFor(ensemble: TreeEnsemble, columns: readonly number[], slots: ReturnType<typeof reasonSlots>) {
  let entry = explainers.get(ensemble);
  if (!entry) {
    // The trees add contributions up by reason topic themselves: narrower tables, less work a lead.
    const options = { slotOf: Int32Array.from(columns, (c) => slots.slotOf[c]!), slots: slots.count };
    entry = { explainer: new FastTreeShap(ensemble, options), options };
    explainers.set(ensemble, entry);
  }
  return entry;
}

/**
 * Builds the explainers of a model set's composite models now (a few hundred milliseconds each)
 * instead of when its first lead is scored with reasons: a server calls it before it takes
 * requests, so that the first seconds of traffic after a start do not queue behind the tables.
 * Returns how many it built.
 */
export function prepareExplainers(models: LoadedModelSet): number {
  const slots = reasonSlots(models.spec);
  let built = 0;
  for (const model of [models.models.composite, ...Object.values(models.segments)]) {
    if (!model?.ensemble || explainers.has(model.ensemble)) continue;
    explainerFor(model.ensemble, model.columns, slots);
    built++;
  }
  return built;
}

/** Below this many rows a batch is explained on the calling thread: handing it out costs more than it saves. */
export const MIN_ROWS_FOR_THREADS = 2000;
const DEFAULT_THREADS = Math.min(8, os.availableParallelism());

/** One set of worker threads per thread count, started on first use; null where there are no compiled workers. */
const pools = new Map<number, ShapThreads | null>();
function threadsFor(threads: number): ShapThreads | null {
  if (threads <= 1) return null;
  if (!pools.has(threads)) {
    const file = shapWorkerFile();
    pools.set(threads, file ? new ShapThreads(file, threads - 1) : null);
  }
  return pools.get(threads)!;
}

/** Stops the worker threads scoring has started (they never keep the process alive; this frees them sooner). */
export function closeScoringThreads(): void {
  for (const pool of pools.values()) pool?.close();
  pools.clear();
}

const readsAll = (matrix: FeatureMatrix, columns: readonly number[]) => columns.length === matrix.cols && columns.every((c, i) => c === i);

/** The model's input columns of a matrix; the matrix itself when the model reads all of them in order. */
function inputOf(matrix: FeatureMatrix, columns: readonly number[]): FeatureMatrix {
  return readsAll(matrix, columns) ? matrix : selectColumns(matrix, columns);
}

/** The columns to give a scorer: none when the model reads the whole matrix in order. */
export function columnsOf(matrix: FeatureMatrix, columns: readonly number[]): readonly number[] | undefined {
  return readsAll(matrix, columns) ? undefined : columns;
}

/** Rows grouped by the composite model that scores them. */
function compositeGroups(models: LoadedModelSet, matrix: FeatureMatrix): Array<{ model: LoadedModel; rows: number[] }> {
  const column = models.spec.features.findIndex((f) => f.name === 'employees_log10');
  const byModel = new Map<LoadedModel, number[]>();
  for (let r = 0; r < matrix.rows; r++) {
    const band = column === -1 ? null : sizeBand(matrix.values[r * matrix.cols + column]!);
    const model = (band && models.segments[band]) || models.models.composite;
    let rows = byModel.get(model);
    if (!rows) byModel.set(model, (rows = []));
    rows.push(r);
  }
  return [...byModel.entries()].map(([model, rows]) => ({ model, rows }));
}

function rowsOf(matrix: FeatureMatrix, rows: readonly number[]): FeatureMatrix {
  const values = new Float64Array(rows.length * matrix.cols);
  rows.forEach((r, i) => values.set(matrix.values.subarray(r * matrix.cols, (r + 1) * matrix.cols), i * matrix.cols));
  return { rows: rows.length, cols: matrix.cols, values };
}

/**
 * Contributions of a composite model added up by reason topic (rows x slots): TreeSHAP, or
 * occlusion without trees. A large batch's TreeSHAP starts on the worker threads at once; the
 * function returned has this thread join in and gives the values, the same on any number of threads.
 */
function startExplaining(
  models: LoadedModelSet,
  model: LoadedModel,
  matrix: FeatureMatrix,
  slots: ReturnType<typeof reasonSlots>,
  threads: number,
): () => Promise<Float64Array> {
  if (!model.ensemble) return () => occlusionSums(models, model, matrix, slots);
  const { explainer, options } = explainerFor(model.ensemble, model.columns, slots);
  const input = inputOf(matrix, model.columns);
  const pool = matrix.rows >= MIN_ROWS_FOR_THREADS ? threadsFor(threads) : null;
  if (!pool) return async () => explainer.values(input).values;
  const job = pool.explain(explainer, model.ensemble, options, input);
  return () => job.finish();
}

async function occlusionSums(models: LoadedModelSet, model: LoadedModel, matrix: FeatureMatrix, slots: ReturnType<typeof reasonSlots>): Promise<Float64Array> {
  const byFeature = await occlusionContributions(models.spec, model, matrix);
  const out = new Float64Array(matrix.rows * slots.count);
  for (let r = 0; r < matrix.rows; r++) {
    for (let c = 0; c < matrix.cols; c++) out[r * slots.count + slots.slotOf[c]!]! += byFeature[r * matrix.cols + c]!;
  }
  return out;
}
