import type { FeatureMatrix, FeatureSpec } from '../features/index.js';
import type { LoadedModel } from '../model/artifact.js';
import { selectColumns } from '../model/training-set.js';
import { topicKey } from './reasons.js';

const logit = (p: number) => {
  const q = Math.min(1 - 1e-9, Math.max(1e-9, p));
  return Math.log(q / (1 - q));
};

/** A typical value per column of the rows: the median of a number, the commonest category. */
function reference(spec: FeatureSpec, matrix: FeatureMatrix): Float64Array {
  const out = new Float64Array(matrix.cols).fill(NaN);
  for (let c = 0; c < matrix.cols; c++) {
    const values: number[] = [];
    for (let r = 0; r < matrix.rows; r++) {
      const v = matrix.values[r * matrix.cols + c]!;
      if (!Number.isNaN(v)) values.push(v);
    }
    if (values.length === 0) continue;
    if (spec.features[c]!.kind === 'categorical') {
      const counts = new Map<number, number>();
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
      out[c] = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
    } else {
      values.sort((a, b) => a - b);
      out[c] = values[values.length >> 1]!;
    }
  }
  return out;
}

/**
 * Reasons for a model that comes without its trees (an ONNX model trained elsewhere): for each
 * topic, how much the log-odds drop when the lead's values of that topic are replaced by typical
 * values of the leads scored with it. Model-agnostic and exact about the model's own answers,
 * though not Shapley values: interactions between topics are not shared out.
 * Returns per-feature contributions in spec order (each topic's on its first feature).
 */
export async function occlusionContributions(spec: FeatureSpec, model: LoadedModel, matrix: FeatureMatrix): Promise<Float64Array> {
  const width = spec.features.length;
  const topics = new Map<string, number[]>();
  spec.features.forEach((f, c) => {
    const key = topicKey(f.name);
    topics.set(key, [...(topics.get(key) ?? []), c]);
  });
  const groups = [...topics.values()].filter((columns) => columns.some((c) => model.columns.includes(c)));
  const typical = reference(spec, matrix);
  // One batch: the rows as they are, then each row once per topic with that topic made typical.
  const rows = matrix.rows * (groups.length + 1);
  const values = new Float64Array(rows * width);
  values.set(matrix.values, 0);
  groups.forEach((columns, g) => {
    const offset = (g + 1) * matrix.rows * width;
    values.set(matrix.values, offset);
    for (let r = 0; r < matrix.rows; r++) for (const c of columns) values[offset + r * width + c] = typical[c]!;
  });
  const { probability } = await model.scorer.score(selectColumns({ rows, cols: width, values }, model.columns));
  const out = new Float64Array(matrix.rows * width);
  groups.forEach((columns, g) => {
    for (let r = 0; r < matrix.rows; r++) {
      out[r * width + columns[0]!] = logit(probability[r]!) - logit(probability[(g + 1) * matrix.rows + r]!);
    }
  });
  return out;
}
