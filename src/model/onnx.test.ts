import { describe, expect, it } from 'vitest';
import { applyCalibration, fitIsotonic, fitPlatt, type Calibration } from './calibrate.js';
import { predictMargin } from './gbdt/predict.js';
import { trainGbdt } from './gbdt/train.js';
import { exportToOnnx } from './onnx-export.js';
import { loadOnnxScorer } from './onnx-runtime.js';
import type { FeatureKind, FeatureMatrix, TreeEnsemble } from './tree.js';
import { rng } from '../../test/helpers/random.js';
import onnxProto from 'onnx-proto';

/** The TreeEnsemble node's split modes: 0 is BRANCH_LEQ, 6 BRANCH_MEMBER. */
function splitModes(bytes: Uint8Array): number[] {
  const model = onnxProto.onnx.ModelProto.decode(bytes);
  const trees = model.graph!.node!.find((n) => n.opType === 'TreeEnsemble')!;
  return Array.from(trees.attribute!.find((a) => a.name === 'nodes_modes')!.t!.rawData!);
}


const kinds: FeatureKind[] = ['numeric', 'categorical', 'numeric', 'categorical', 'numeric'];
const counts = [0, 6, 0, 30, 0];

/** Rows with NaN, unseen category codes and values exactly on split thresholds. */
function rows(n: number, seed: number): { matrix: FeatureMatrix; labels: Uint8Array } {
  const next = rng(seed);
  const values = new Float64Array(n * 5);
  const labels = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    const x = [next() * 4 - 2, Math.floor(next() * 7), Math.round(next() * 20) / 4, Math.floor(next() * 30), next() * 1e6];
    if (next() < 0.1) x[0] = NaN;
    if (next() < 0.1) x[1] = NaN;
    if (next() < 0.05) x[3] = NaN;
    values.set(x, r * 5);
    const logit = (x[0]! > 0.5 ? 1 : -0.5) + ([1, 4].includes(x[1]!) ? 1.2 : 0) + (x[3]! % 3 === 0 ? 0.8 : -0.4) + (Number.isNaN(x[0]!) ? 1 : 0) + x[2]! / 5 - 1;
    labels[r] = next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  return { matrix: { rows: n, cols: 5, values }, labels };
}

/** A stump on column 1: the codes that go left, whether missing values do, and the two leaves. */
const split = (codes: number[], missingLeft: number, left: number, right: number) => ({
  feature: Int32Array.of(1, -1, -1),
  threshold: new Float64Array(3),
  categoriesLeft: [Int32Array.from(codes), null, null],
  missingLeft: Uint8Array.of(missingLeft, 0, 0),
  left: Int32Array.of(1, -1, -1),
  right: Int32Array.of(2, -1, -1),
  value: Float64Array.of(0, left, right),
  cover: Float64Array.of(2, 1, 1),
});

async function compare(ensemble: TreeEnsemble, calibration: Calibration, matrix: FeatureMatrix) {
  const bytes = exportToOnnx(ensemble, { featureNames: ['a', 'b', 'c', 'd', 'e'], calibration });
  const scorer = await loadOnnxScorer(bytes, { featureNames: ['a', 'b', 'c', 'd', 'e'] });
  const onnx = await scorer.score(matrix);
  await scorer.close();
  const margin = predictMargin(ensemble, matrix);
  const probability = applyCalibration(calibration, margin);
  let worstMargin = 0;
  let worstProbability = 0;
  for (let i = 0; i < matrix.rows; i++) {
    worstMargin = Math.max(worstMargin, Math.abs(onnx.margin![i]! - margin[i]!));
    worstProbability = Math.max(worstProbability, Math.abs(onnx.probability[i]! - probability[i]!));
  }
  return { worstMargin, worstProbability };
}

describe('ONNX export', () => {
  const train = rows(4000, 1);
  const trainWith = (categorySplits: 'ordered' | 'sets') =>
    trainGbdt(train.matrix, train.labels, { kinds, categoryCounts: counts, categorySplits, params: { maxTrees: 120, learningRate: 0.1, minSamplesLeaf: 5 } }).ensemble;
  const ensemble = trainWith('ordered');
  const withSets = trainWith('sets');
  const test = rows(3000, 2);
  // Some rows with codes the model never saw, and values exactly on a threshold.
  test.matrix.values[1] = 6;
  test.matrix.values[6] = 99;
  test.matrix.values[10] = ensemble.trees[0]!.threshold[0]!;

  it.each(['ordered', 'sets'] as const)('scores exactly as the TypeScript predictor, before and after each calibration (%s categories)', async (mode) => {
    const model = mode === 'ordered' ? ensemble : withSets;
    const margins = predictMargin(model, train.matrix);
    for (const calibration of [{ method: 'none' } as Calibration, fitPlatt(margins, train.labels), fitIsotonic(margins, train.labels)]) {
      const { worstMargin, worstProbability } = await compare(model, calibration, test.matrix);
      expect(worstMargin, calibration.method).toBeLessThan(1e-5);
      expect(worstProbability, calibration.method).toBeLessThan(1e-5);
    }
    expect(model.trees.some((t) => t.categoriesLeft.some((c) => c !== null))).toBe(true);
    // Ordered categories are tested as ranks, one comparison each: no split is a set in the file.
    const modes = splitModes(exportToOnnx(model, { featureNames: ['a', 'b', 'c', 'd', 'e'], calibration: { method: 'none' } }));
    expect(modes.filter((m) => m === 6).length > 0).toBe(mode === 'sets');
  });

  it('tests a ranked split as a rank, and a set that is not a run of ranks as a set', async () => {
    // Column 1 has 6 codes; code 2 had no training rows (rank -1). Tree 1: ranks 0-1 go left, and
    // so does code 2, with missing values. Tree 2: {0, 5} is not a run of ranks. Tree 3: ranks
    // 0-3 go left, missing values and code 2 right.
    const categoryRanks = [null, [2, 0, -1, 1, 3, 4], null, null, null];
    const trees = [split([1, 2, 3], 1, 1, -1), split([0, 5], 0, 0.25, -0.5), split([0, 1, 3, 4], 0, 2, -2)];
    const model: TreeEnsemble = { kind: 'gbdt', baseMargin: 0, trees, featureKinds: kinds, categoryCounts: counts, categoryRanks };
    expect(splitModes(exportToOnnx(model, { featureNames: ['a', 'b', 'c', 'd', 'e'], calibration: { method: 'none' } }))).toEqual([0, 6, 0]);
    const codes = [0, 1, 2, 3, 4, 5, NaN, 6, 99, 2.5, -1];
    const values = new Float64Array(codes.length * 5);
    codes.forEach((code, r) => (values[r * 5 + 1] = code));
    const matrix = { rows: codes.length, cols: 5, values };
    const { worstMargin } = await compare(model, { method: 'none' }, matrix);
    expect(worstMargin).toBeLessThan(1e-6);
    // What the predictor gives, so that a wrong expectation cannot hide behind agreement.
    expect(Array.from(predictMargin(model, matrix))).toEqual([1.25, 2.5, -1.5, 2.5, 0.5, -2.75, -1.5, -1.5, -1.5, -1.5, -1.5]);
  });

  it('scores the columns it is given of a wider matrix as it scores those columns alone', async () => {
    const bytes = exportToOnnx(ensemble, { featureNames: ['a', 'b', 'c', 'd', 'e'], calibration: { method: 'none' } });
    const scorer = await loadOnnxScorer(bytes, { featureNames: ['a', 'b', 'c', 'd', 'e'] });
    try {
      // The model's columns at 6, 2, 0, 5, 3 of seven; 1 and 4 hold values it must not read.
      const columns = [6, 2, 0, 5, 3];
      const wide = new Float64Array(test.matrix.rows * 7).fill(1e9);
      for (let r = 0; r < test.matrix.rows; r++) columns.forEach((to, c) => (wide[r * 7 + to] = test.matrix.values[r * 5 + c]!));
      const alone = await scorer.score(test.matrix);
      const given = await scorer.score({ rows: test.matrix.rows, cols: 7, values: wide }, columns);
      expect(given.probability).toEqual(alone.probability);
      expect(given.margin).toEqual(alone.margin);
      await expect(scorer.score({ rows: test.matrix.rows, cols: 7, values: wide }, [0, 1])).rejects.toThrow('rows have 2 features, the model takes 5');
    } finally {
      await scorer.close();
    }
  });

  it('exports a model whose trees are all single leaves', async () => {
    const constant: TreeEnsemble = {
      kind: 'gbdt',
      baseMargin: -1.5,
      trees: [{ feature: Int32Array.of(-1), threshold: new Float64Array(1), categoriesLeft: [null], missingLeft: new Uint8Array(1), left: Int32Array.of(-1), right: Int32Array.of(-1), value: Float64Array.of(0.25), cover: Float64Array.of(1) }],
      featureKinds: kinds,
      categoryCounts: counts,
    };
    const { worstMargin } = await compare(constant, { method: 'none' }, test.matrix);
    expect(worstMargin).toBeLessThan(1e-6);
  });

  it('sends every code, a missing one and an unseen one the same way when a set is written as its complement', async () => {
    // Column 1 has 6 codes: the first tree's set {0, 1, 2, 4} is more than half, exported as {3, 5}
    // with the branches swapped; the second tree's {5} is exported as it is. Missing goes left in
    // the first, right in the second.
    const ensemble: TreeEnsemble = { kind: 'gbdt', baseMargin: 0, trees: [split([0, 1, 2, 4], 1, 1, -1), split([5], 0, 0.25, -0.5)], featureKinds: kinds, categoryCounts: counts };
    const codes = [0, 1, 2, 3, 4, 5, NaN, 6, 99];
    const values = new Float64Array(codes.length * 5);
    codes.forEach((code, r) => (values[r * 5 + 1] = code));
    const matrix = { rows: codes.length, cols: 5, values };
    const { worstMargin } = await compare(ensemble, { method: 'none' }, matrix);
    expect(worstMargin).toBeLessThan(1e-6);
    // What the predictor gives, so that a wrong expectation cannot hide behind agreement.
    expect(Array.from(predictMargin(ensemble, matrix))).toEqual([0.5, 0.5, 0.5, -1.5, 0.5, -0.75, 0.5, 0.5, 0.5]);
  });

  it('refuses a model whose input does not match its manifest, naming both sides', async () => {
    const bytes = exportToOnnx(ensemble, { featureNames: ['a', 'b', 'c', 'd', 'e'], calibration: { method: 'none' } });
    await expect(loadOnnxScorer(bytes, { featureNames: ['a', 'b', 'c'] })).rejects.toThrow(/takes 5 features but the manifest names 3/);
    await expect(loadOnnxScorer(bytes, { featureNames: ['a', 'b', 'c', 'd', 'e'], probabilityOutput: 'probabilities' })).rejects.toThrow(
      /no output "probabilities" \(it has margin, probability\)/,
    );
    expect(() => exportToOnnx(ensemble, { featureNames: ['a'], calibration: { method: 'none' } })).toThrow(/1 feature names for a model of 5 features/);
  });
});
