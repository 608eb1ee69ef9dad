import type { ScoreReason } from '../domain/index.js';
import { featurizeMany, type FeatureMatrix } from '../features/index.js';
import type { LoadedModel, LoadedModelSet } from '../model/artifact.js';
import { sizeBand } from '../model/model-set.js';
import { FastTreeShap } from '../model/gbdt/fast-shap.js';
import type { TreeEnsemble } from '../model/tree.js';
import { selectColumns } from '../model/training-set.js';
import type { LeadHistory } from '../sync/index.js';
import { occlusionContributions } from './occlusion.js';
import { reasonsFor } from './reasons.js';

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
  asOf: Date | ((history: LeadHistory) => Date),
  options: { reasons?: boolean; reasonsPerSide?: number } = {},
): Promise<ScoredLead[]> {
  if (histories.length === 0) return [];
  const matrix = featurizeMany(
    models.spec,
    histories.map((h) => ({ lead: h.lead, activities: h.activities, asOf: typeof asOf === 'function' ? asOf(h) : asOf })),
  );
  const probabilityOf = async (name: 'fit' | 'engagement' | 'composite'): Promise<Float64Array | null> => {
    const model = models.models[name];
    if (!model) return null;
    return (await model.scorer.score(selectColumns(matrix, model.columns))).probability;
  };
  // Each lead's composite model: its company-size band's own where it has one.
  const groups = compositeGroups(models, matrix);
  const composite = new Float64Array(matrix.rows);
  const contributions = options.reasons === false ? null : new Float64Array(matrix.rows * matrix.cols);
  for (const { model, rows } of groups) {
    const part = rowsOf(matrix, rows);
    const p = (await model.scorer.score(selectColumns(part, model.columns))).probability;
    rows.forEach((r, i) => (composite[r] = p[i]!));
    if (contributions) {
      const c = await explain(models, model, part);
      rows.forEach((r, i) => contributions.set(c.subarray(i * matrix.cols, (i + 1) * matrix.cols), r * matrix.cols));
    }
  }
  const fit = await probabilityOf('fit');
  const engagement = await probabilityOf('engagement');
  const width = matrix.cols;
  const reasons = contributions
    ? (row: number) =>
        reasonsFor(models.spec, matrix.values.subarray(row * width, (row + 1) * width), contributions.subarray(row * width, (row + 1) * width), {
          perSide: options.reasonsPerSide ?? 3,
        })
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
}

/** The explainer's tables take a moment to build: once per loaded model. */
const explainers = new WeakMap<TreeEnsemble, FastTreeShap>();
function explainerFor(ensemble: TreeEnsemble): FastTreeShap {
  let explainer = explainers.get(ensemble);
  if (!explainer) explainers.set(ensemble, (explainer = new FastTreeShap(ensemble)));
  return explainer;
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

/** Per-feature contributions (rows x spec width) of a composite model: TreeSHAP, or occlusion without trees. */
async function explain(models: LoadedModelSet, model: LoadedModel, matrix: FeatureMatrix): Promise<Float64Array> {
  if (!model.ensemble) return occlusionContributions(models.spec, model, matrix);
  const width = matrix.cols;
  const input = selectColumns(matrix, model.columns);
  const { values } = explainerFor(model.ensemble).values(input);
  // Contributions in spec order (the model may read a subset of the spec).
  const out = new Float64Array(matrix.rows * width);
  const columns = model.columns;
  for (let r = 0; r < matrix.rows; r++) for (let k = 0; k < columns.length; k++) out[r * width + columns[k]!] = values[r * input.cols + k]!;
  return out;
}
