import type { ScoreReason } from '../domain/index.js';
import { featurizeMany, type FeatureMatrix } from '../features/index.js';
import type { LoadedModelSet } from '../model/artifact.js';
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
 * Scores for leads as of `asOf`: each model's calibrated probability through onnxruntime, grade
 * and tier from the model's thresholds, and the composite model's reasons (exact TreeSHAP).
 */
export async function scoreHistories(
  models: LoadedModelSet,
  histories: readonly LeadHistory[],
  asOf: Date,
  options: { reasons?: boolean; reasonsPerSide?: number } = {},
): Promise<ScoredLead[]> {
  if (histories.length === 0) return [];
  const matrix = featurizeMany(
    models.spec,
    histories.map((h) => ({ lead: h.lead, activities: h.activities, asOf })),
  );
  const probabilityOf = async (name: 'fit' | 'engagement' | 'composite'): Promise<Float64Array | null> => {
    const model = models.models[name];
    if (!model) return null;
    return (await model.scorer.score(selectColumns(matrix, model.columns))).probability;
  };
  const composite = (await probabilityOf('composite'))!;
  const fit = await probabilityOf('fit');
  const engagement = await probabilityOf('engagement');
  const reasons = options.reasons === false ? null : await explain(models, matrix, options.reasonsPerSide ?? 3);
  const t = models.manifest.thresholds;
  return histories.map((h, i) => {
    const p = composite[i]!;
    return {
      leadId: h.lead.id,
      probability: p,
      composite: round1(p),
      fit: fit ? round1(fit[i]!) : null,
      engagement: engagement ? round1(engagement[i]!) : null,
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

async function explain(models: LoadedModelSet, matrix: FeatureMatrix, perSide: number): Promise<(row: number) => ScoreReason[]> {
  const model = models.models.composite;
  const width = models.spec.features.length;
  let contributions: Float64Array;
  if (model.ensemble) {
    const input = selectColumns(matrix, model.columns);
    const { values } = explainerFor(model.ensemble).values(input);
    // Contributions in spec order (the composite model may read a subset of the spec).
    contributions = new Float64Array(matrix.rows * width);
    for (let r = 0; r < matrix.rows; r++) model.columns.forEach((c, k) => (contributions[r * width + c] = values[r * input.cols + k]!));
  } else {
    contributions = await occlusionContributions(models.spec, model, matrix);
  }
  return (row) =>
    reasonsFor(models.spec, matrix.values.subarray(row * width, (row + 1) * width), contributions.subarray(row * width, (row + 1) * width), { perSide });
}
