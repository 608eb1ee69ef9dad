import { describe, expect, it } from 'vitest';
import { auc } from '../metrics.js';
import type { FeatureKind, FeatureMatrix, Tree, TreeEnsemble } from '../tree.js';
import { resolveParams } from './params.js';
import { categoryTables, goesLeft, predictMargin, predictProbability } from './predict.js';
import { shapValues } from './shap.js';
import { trainGbdt } from './train.js';
import { rng } from '../../../test/helpers/random.js';


function dataset(rows: number, cols: number, label: (x: (c: number) => number, r: () => number) => number, seed = 1, fill?: (c: number, r: () => number) => number) {
  const next = rng(seed);
  const values = new Float64Array(rows * cols);
  const labels = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < cols; c++) values[i * cols + c] = fill ? fill(c, next) : next() * 2 - 1;
    labels[i] = label((c) => values[i * cols + c]!, next);
  }
  return { matrix: { rows, cols, values } as FeatureMatrix, labels };
}

const numeric = (n: number): FeatureKind[] => new Array(n).fill('numeric');

describe('trainGbdt', () => {
  it('learns an interaction no single feature shows', () => {
    const xor = (x: (c: number) => number, r: () => number) => (r() < (x(0) * x(1) > 0 ? 0.9 : 0.1) ? 1 : 0);
    const train = dataset(4000, 4, xor, 1);
    const test = dataset(2000, 4, xor, 2);
    const { ensemble } = trainGbdt(train.matrix, train.labels, { kinds: numeric(4), categoryCounts: [0, 0, 0, 0], params: { maxTrees: 60, learningRate: 0.2 } });
    const single = Math.max(...[0, 1].map((c) => auc(Float64Array.from({ length: 2000 }, (_, i) => test.matrix.values[i * 4 + c]!), test.labels)));
    expect(single).toBeLessThan(0.56);
    expect(auc(predictMargin(ensemble, test.matrix), test.labels)).toBeGreaterThan(0.75);
  });

  it('learns which way missing values go when missingness itself predicts', () => {
    const { matrix, labels } = dataset(3000, 2, (x, r) => (Number.isNaN(x(0)) ? (r() < 0.8 ? 1 : 0) : r() < 0.2 ? 1 : 0), 3, (c, r) =>
      c === 0 && r() < 0.3 ? NaN : r(),
    );
    const { ensemble } = trainGbdt(matrix, labels, { kinds: numeric(2), categoryCounts: [0, 0], params: { maxTrees: 20, learningRate: 0.2, colSubsample: 1 } });
    const p = predictProbability(ensemble, { rows: 2, cols: 2, values: Float64Array.from([NaN, 0.5, 0.5, 0.5]) });
    expect(p[0]).toBeGreaterThan(0.65);
    expect(p[1]).toBeLessThan(0.35);
  });

  it.each(['ordered', 'sets'] as const)('splits a categorical column into a set that no ordering of codes could separate (%s)', (categorySplits) => {
    const good = new Set([1, 4, 6]);
    const { matrix, labels } = dataset(3000, 1, (x, r) => (r() < (good.has(x(0)) ? 0.85 : 0.1) ? 1 : 0), 4, (_c, r) => Math.floor(r() * 8));
    const { ensemble } = trainGbdt(matrix, labels, { kinds: ['categorical'], categoryCounts: [8], categorySplits, params: { maxTrees: 10, maxDepth: 1, learningRate: 0.5 } });
    expect(ensemble.categoryRanks === undefined).toBe(categorySplits === 'sets');
    const p = predictProbability(ensemble, { rows: 9, cols: 1, values: Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7, 42]) });
    for (const c of [1, 4, 6]) expect(p[c]).toBeGreaterThan(0.6);
    for (const c of [0, 2, 3, 5, 7]) expect(p[c]).toBeLessThan(0.3);
    expect(ensemble.trees[0]!.categoriesLeft[0]).not.toBeNull();
    expect(Number.isFinite(p[8]!)).toBe(true); // an unseen code follows the missing direction
  });

  it('ranks ordered categories by conversion rate, and every split sends left the codes up to a rank', () => {
    // Codes 0-6 convert at rates in the order 3, 0, 5, 1, 6, 2, 4; code 7 never occurs in training.
    const rates = [0.2, 0.5, 0.7, 0.05, 0.9, 0.3, 0.6];
    const { matrix, labels } = dataset(4000, 2, (x, r) => (r() < (Number.isNaN(x(0)) ? 0.8 : rates[x(0)]!) ? 1 : 0), 8, (c, r) =>
      c === 0 ? (r() < 0.05 ? NaN : Math.floor(r() * 7)) : r() * 2 - 1,
    );
    const { ensemble } = trainGbdt(matrix, labels, { kinds: ['categorical', 'numeric'], categoryCounts: [8, 0], params: { maxTrees: 20, maxDepth: 3, learningRate: 0.3 } });
    expect(ensemble.categoryRanks).toEqual([[1, 3, 5, 0, 6, 2, 4, -1], null]);
    const ranks = ensemble.categoryRanks![0]!;
    let splits = 0;
    for (const tree of ensemble.trees) {
      tree.categoriesLeft.forEach((codes, i) => {
        if (!codes) return;
        splits++;
        const top = Math.max(...Array.from(codes, (c) => ranks[c]!));
        const expected = ranks.flatMap((rank, code) => ((rank >= 0 ? rank <= top : tree.missingLeft[i] === 1) ? [code] : []));
        expect(Array.from(codes)).toEqual(expected);
      });
    }
    expect(splits).toBeGreaterThan(5);
    // A code no training row had goes the way of a missing value, in every tree.
    const p = predictMargin(ensemble, { rows: 4, cols: 2, values: Float64Array.from([7, 0.3, NaN, 0.3, 4, 0.3, 3, 0.3]) });
    expect(p[0]).toBe(p[1]);
    expect(p[2]).toBeGreaterThan(p[3]! + 2);
  });

  it('stops early on the validation rows and keeps the best number of trees', () => {
    const noisy = (x: (c: number) => number, r: () => number) => (r() < (x(0) > 0 ? 0.6 : 0.4) ? 1 : 0);
    const train = dataset(1500, 6, noisy, 5);
    const valid = dataset(1500, 6, noisy, 6);
    const result = trainGbdt(train.matrix, train.labels, {
      kinds: numeric(6),
      categoryCounts: new Array(6).fill(0),
      validation: valid,
      params: { maxTrees: 400, learningRate: 0.3, minSamplesLeaf: 1, earlyStoppingRounds: 10 },
    });
    expect(result.history.validLoss.length).toBeLessThan(400);
    expect(result.trees).toBe(result.history.validLoss.indexOf(Math.min(...result.history.validLoss)) + 1);
    expect(result.ensemble.trees).toHaveLength(result.trees);
  });

  it('raises predictions when the positive class weighs more', () => {
    const { matrix, labels } = dataset(2000, 2, (x, r) => (r() < 0.1 ? 1 : 0), 7);
    const opts = { kinds: numeric(2), categoryCounts: [0, 0], params: { maxTrees: 5 } };
    const plain = predictProbability(trainGbdt(matrix, labels, opts).ensemble, matrix);
    const balanced = predictProbability(trainGbdt(matrix, labels, { ...opts, params: { ...opts.params, positiveWeight: 'balanced' } }).ensemble, matrix);
    expect(balanced.reduce((a, b) => a + b, 0) / 2000).toBeGreaterThan(3 * (plain.reduce((a, b) => a + b, 0) / 2000));
  });

  it('gives the same trees for the same seed, other trees for another seed when sampling', () => {
    const { matrix, labels } = dataset(1000, 5, (x, r) => (r() < (x(0) + x(1) > 0 ? 0.7 : 0.3) ? 1 : 0), 8);
    const train = (seed: number) =>
      predictMargin(trainGbdt(matrix, labels, { kinds: numeric(5), categoryCounts: new Array(5).fill(0), params: { maxTrees: 15, rowSubsample: 0.5, colSubsample: 0.6, seed } }).ensemble, matrix);
    expect(train(1)).toEqual(train(1));
    expect(train(2)).not.toEqual(train(1));
  });

  it('thresholds are float32 values and the predictor agrees with the training margins', () => {
    const train = dataset(2000, 3, (x, r) => (r() < (x(2) > 0.123456789 ? 0.8 : 0.2) ? 1 : 0), 9);
    const result = trainGbdt(train.matrix, train.labels, { kinds: numeric(3), categoryCounts: [0, 0, 0], params: { maxTrees: 30 } });
    for (const tree of result.ensemble.trees) {
      tree.feature.forEach((f, i) => {
        if (f >= 0) expect(Math.fround(tree.threshold[i]!)).toBe(tree.threshold[i]);
      });
    }
    const loss = result.history.trainLoss.at(-1)!;
    const p = predictProbability(result.ensemble, train.matrix);
    let own = 0;
    for (let i = 0; i < p.length; i++) own -= Math.log(train.labels[i] ? p[i]! : 1 - p[i]!);
    expect(own / p.length).toBeCloseTo(loss, 10);
  });

  it('refuses data it cannot learn from, naming the problem', () => {
    const { matrix } = dataset(10, 2, () => 0, 10);
    const opts = { kinds: numeric(2), categoryCounts: [0, 0] };
    expect(() => trainGbdt(matrix, new Uint8Array(10), opts)).toThrow(/only non-converted rows/);
    expect(() => trainGbdt(matrix, new Uint8Array(9), opts)).toThrow(/10 rows but 9 labels/);
    expect(() => trainGbdt(matrix, Uint8Array.from({ length: 10 }, (_, i) => (i === 0 ? 2 : i % 2)), opts)).toThrow(/label 2 at row 0/);
    expect(() => trainGbdt({ rows: 0, cols: 2, values: new Float64Array(0) }, new Uint8Array(0), opts)).toThrow(/no rows/);
    expect(() => resolveParams({ maxBins: 300 })).toThrow('maxBins must be an integer from 2 to 255, got 300');
    expect(() => resolveParams({ learningRate: 0 })).toThrow('learningRate must be a number above 0 to 1, got 0');
  });

  it('copes with infinities and constant or empty columns', () => {
    const { matrix, labels } = dataset(500, 3, (x, r) => (r() < (x(0) > 0 ? 0.8 : 0.2) ? 1 : 0), 11, (c, r) =>
      c === 1 ? 7 : c === 2 ? NaN : r() < 0.05 ? (r() < 0.5 ? Infinity : -Infinity) : r() * 2 - 1,
    );
    const { ensemble } = trainGbdt(matrix, labels, { kinds: numeric(3), categoryCounts: [0, 0, 0], params: { maxTrees: 10 } });
    const margin = predictMargin(ensemble, matrix);
    expect(margin.every(Number.isFinite)).toBe(true);
    expect(auc(margin, labels)).toBeGreaterThan(0.7);
    for (const tree of ensemble.trees) for (const f of tree.feature) expect([-1, 0]).toContain(f);
  });
});

/** v(S): the path-dependent expectation of a tree given the features in S. */
function expectation(ensemble: TreeEnsemble, tree: Tree, x: Float64Array, known: Set<number>, node = 0): number {
  if (tree.feature[node]! < 0) return tree.value[node]!;
  const l = tree.left[node]!;
  const r = tree.right[node]!;
  if (known.has(tree.feature[node]!)) {
    return expectation(ensemble, tree, x, known, goesLeft(ensemble, tree, categoryTables(tree), x, 0, node) ? l : r);
  }
  const c = tree.cover[node]!;
  return (tree.cover[l]! / c) * expectation(ensemble, tree, x, known, l) + (tree.cover[r]! / c) * expectation(ensemble, tree, x, known, r);
}

function bruteForceShapley(ensemble: TreeEnsemble, x: Float64Array): Float64Array {
  const m = x.length;
  const phi = new Float64Array(m);
  const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
  const v = (set: Set<number>) => ensemble.trees.reduce((sum, t) => sum + expectation(ensemble, t, x, set), 0);
  for (let i = 0; i < m; i++) {
    const others = [...Array(m).keys()].filter((j) => j !== i);
    for (let mask = 0; mask < 1 << others.length; mask++) {
      const set = new Set(others.filter((_, k) => mask & (1 << k)));
      const weight = (factorial(set.size) * factorial(m - set.size - 1)) / factorial(m);
      phi[i]! += weight * (v(new Set([...set, i])) - v(set));
    }
  }
  return phi;
}

describe('shapValues', () => {
  const kinds: FeatureKind[] = ['numeric', 'numeric', 'categorical', 'numeric', 'numeric'];
  const { matrix, labels } = dataset(
    1500,
    5,
    (x, r) => (r() < (x(0) * x(1) > 0 ? 0.75 : 0.25) + (x(2) === 2 ? 0.1 : 0) - 0.05 ? 1 : 0),
    12,
    (c, r) => (c === 2 ? Math.floor(r() * 4) : r() < 0.1 ? NaN : r() * 2 - 1),
  );
  const { ensemble } = trainGbdt(matrix, labels, { kinds, categoryCounts: [0, 0, 4, 0, 0], params: { maxTrees: 25, maxDepth: 4, minSamplesLeaf: 5 } });

  it('adds up to the margin of every row within 1e-6', () => {
    const { base, values } = shapValues(ensemble, matrix);
    const margin = predictMargin(ensemble, matrix);
    let worst = 0;
    for (let r = 0; r < matrix.rows; r++) {
      let sum = base;
      for (let c = 0; c < 5; c++) sum += values[r * 5 + c]!;
      worst = Math.max(worst, Math.abs(sum - margin[r]!));
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('equals the Shapley values computed by enumerating every feature subset', () => {
    for (const r of [0, 1, 2, 17, 99]) {
      const x = matrix.values.slice(r * 5, r * 5 + 5);
      const exact = bruteForceShapley(ensemble, x);
      const fast = shapValues(ensemble, { rows: 1, cols: 5, values: x }).values;
      for (let c = 0; c < 5; c++) expect(fast[c]).toBeCloseTo(exact[c]!, 9);
    }
  });

  it('gives nothing to a feature the trees never use', () => {
    const { values } = shapValues(ensemble, matrix);
    const used = new Set(ensemble.trees.flatMap((t) => Array.from(t.feature)));
    for (let c = 0; c < 5; c++) if (!used.has(c)) for (let r = 0; r < matrix.rows; r++) expect(values[r * 5 + c]).toBe(0);
  });
});

describe('FastTreeShap', () => {
  // 4 columns reuse features along a path; 12 columns at depth 9 give paths too long for one group
  // table, so leaves and lower subtrees are tabulated separately within one tree. 30 codes fill
  // both halves of the kernel's 32-entry category lookups.
  it.each([
    { cols: 4, depth: 6, codes: 5 },
    { cols: 12, depth: 9, codes: 5 },
    { cols: 4, depth: 6, codes: 30 },
  ])('gives the same values as the recursive algorithm, within 1e-9 ($cols columns, depth $depth, $codes codes)', async ({ cols, depth, codes }) => {
    const { FastTreeShap } = await import('./fast-shap.js');
    const kinds: FeatureKind[] = Array.from({ length: cols }, (_, c) => (c === 1 ? 'categorical' : 'numeric'));
    const { matrix, labels } = dataset(
      1500,
      cols,
      (x, r) => (r() < (x(0) > 0 ? 0.7 : 0.3) + (x(1) % 5 === 1 ? 0.1 : 0) + (x(1) > 20 ? 0.15 : 0) - (Number.isNaN(x(2)) ? 0.1 : 0) + (x(3) > 0.5 ? 0.1 : 0) ? 1 : 0),
      13,
      (c, r) => (c === 1 ? Math.floor(r() * codes) : r() < 0.1 ? NaN : r() * 2 - 1),
    );
    const categoryCounts = kinds.map((k) => (k === 'categorical' ? codes : 0));
    const { ensemble } = trainGbdt(matrix, labels, { kinds, categoryCounts, params: { maxTrees: 30, maxDepth: depth, minSamplesLeaf: 3, learningRate: 0.2 } });
    // Rows the trees never saw: unseen and missing category codes, infinities.
    const values = matrix.values.slice();
    for (let r = 0; r < 60; r++) values[r * cols + 1] = [codes + 2, NaN, 2.5, -1][r % 4]!;
    for (let r = 60; r < 80; r++) values[r * cols] = r % 2 ? Infinity : -Infinity;
    const input = { rows: matrix.rows, cols, values };
    const slow = shapValues(ensemble, input);
    const fast = new FastTreeShap(ensemble).values(input);
    expect(fast.base).toBeCloseTo(slow.base, 12);
    let worst = 0;
    for (let i = 0; i < slow.values.length; i++) worst = Math.max(worst, Math.abs(fast.values[i]! - slow.values[i]!));
    expect(worst).toBeLessThan(1e-9);
    // One row at a time (real-time scoring: blocks of one row) gives the same values.
    const explainer = new FastTreeShap(ensemble);
    let worstSingle = 0;
    for (let r = 0; r < 200; r++) {
      const one = explainer.values({ rows: 1, cols, values: values.slice(r * cols, (r + 1) * cols) }).values;
      for (let c = 0; c < cols; c++) worstSingle = Math.max(worstSingle, Math.abs(one[c]! - slow.values[r * cols + c]!));
      // and the very same bits as the row's values in a block
      expect(Array.from(one)).toEqual(Array.from(fast.values.subarray(r * cols, (r + 1) * cols)));
    }
    expect(worstSingle).toBeLessThan(1e-9);
    // A small batch (concurrent real-time calls) takes a small block: the same bits again.
    for (const [from, n] of [[0, 4], [60, 10], [100, 32], [200, 33]] as const) {
      const batch = explainer.values({ rows: n, cols, values: values.slice(from * cols, (from + n) * cols) }).values;
      expect(Array.from(batch)).toEqual(Array.from(fast.values.subarray(from * cols, (from + n) * cols)));
    }
    // Columns merged into output slots (as reasons merge features into topics): each slot holds
    // the sum of its columns' values, for blocks and single rows alike.
    const slotOf = Array.from({ length: cols }, (_, c) => (c < 2 ? 0 : c % 3 === 0 ? 1 : 2));
    const merged = new FastTreeShap(ensemble, { slotOf, slots: 4 });
    expect(merged.width).toBe(4);
    const blockSums = merged.values(input).values;
    let worstMerged = 0;
    for (let r = 0; r < 300; r++) {
      const single = merged.values({ rows: 1, cols, values: values.slice(r * cols, (r + 1) * cols) }).values;
      const expected = [0, 0, 0, 0];
      for (let c = 0; c < cols; c++) expected[slotOf[c]!]! += slow.values[r * cols + c]!;
      for (let k = 0; k < 4; k++) worstMerged = Math.max(worstMerged, Math.abs(blockSums[r * 4 + k]! - expected[k]!), Math.abs(single[k]! - expected[k]!));
    }
    expect(worstMerged).toBeLessThan(1e-9);
  });

  it('sends a row the way the predictor does at a threshold that is not a float32, in blocks and alone', async () => {
    const { FastTreeShap } = await import('./fast-shap.js');
    // 0.1 lies between two float32 values; the blocks compare in float32 (SIMD), single rows in float64.
    const stump = (missingLeft: number): Tree => ({
      feature: Int32Array.of(0, -1, -1),
      threshold: Float64Array.of(0.1, 0, 0),
      categoriesLeft: [null, null, null],
      missingLeft: Uint8Array.of(missingLeft, 0, 0),
      left: Int32Array.of(1, -1, -1),
      right: Int32Array.of(2, -1, -1),
      value: Float64Array.of(0, 1, -1),
      cover: Float64Array.of(4, 1, 3),
    });
    const ensemble: TreeEnsemble = { kind: 'gbdt', baseMargin: 0, trees: [stump(0), stump(1)], featureKinds: ['numeric', 'numeric'], categoryCounts: [0, 0] };
    const above = Math.fround(0.1);
    const below = new Float32Array(Int32Array.of(new Int32Array(Float32Array.of(above).buffer)[0]! - 1).buffer)[0]!;
    const cells = [above, below, NaN, 0.1, -3, 5];
    const values = new Float64Array(48 * 2);
    for (let r = 0; r < 48; r++) values[r * 2] = cells[r % cells.length]!;
    const input = { rows: 48, cols: 2, values };
    const expected = shapValues(ensemble, input).values;
    const explainer = new FastTreeShap(ensemble);
    expect(Array.from(explainer.values(input).values)).toEqual(Array.from(expected));
    for (let r = 0; r < cells.length; r++) expect(Array.from(explainer.values({ rows: 1, cols: 2, values: values.slice(r * 2, r * 2 + 2) }).values)).toEqual(Array.from(expected.subarray(r * 2, r * 2 + 2)));
    // The cells go the ways written here (above and 0.1 itself: right; below: left; NaN: each tree's own way).
    expect(Array.from(predictMargin(ensemble, { rows: cells.length, cols: 2, values: values.slice(0, cells.length * 2) }))).toEqual([-2, 2, 0, -2, 2, -2]);
  });
});
