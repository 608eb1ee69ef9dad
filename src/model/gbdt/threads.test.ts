import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { rng } from '../../../test/helpers/random.js';
import type { FeatureKind, FeatureMatrix } from '../tree.js';
import { applyBins, fitBins } from './binning.js';
import type * as Grow from './grow.js';
import { resolveParams } from './params.js';
import type * as Train from './train.js';
import { trainGbdt } from './train.js';

/**
 * The histogram worker runs only from the compiled code (the suite's global setup builds dist/):
 * these tests load the compiled trainer, where a second thread really starts, and compare it
 * with one thread and with the TypeScript source, which has no worker and keeps to one thread.
 */
const compiled = (file: string) => import(pathToFileURL(path.resolve(import.meta.dirname, '../../../dist/src/model/gbdt', file)).href);
const compiledTrain = (await compiled('train.js')) as typeof Train;
const compiledGrow = (await compiled('grow.js')) as typeof Grow;

/** 3000 rows x 40 columns, a few categorical, some values missing. */
function dataset() {
  const next = rng(21);
  const rows = 3000;
  const cols = 40;
  const kinds: FeatureKind[] = Array.from({ length: cols }, (_, c) => (c < 3 ? 'categorical' : 'numeric'));
  const values = new Float64Array(rows * cols);
  const labels = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) values[r * cols + c] = next() < 0.05 ? NaN : c < 3 ? Math.floor(next() * 9) : next() * 2 - 1;
    const x = (c: number) => values[r * cols + c]!;
    const logit = (x(3) > 0 ? 1 : -1) + 2 * x(4) * x(5) + ([1, 4].includes(x(0)) ? 1 : -0.5) + (Number.isNaN(x(6)) ? 1 : 0);
    labels[r] = next() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
  }
  const matrix: FeatureMatrix = { rows, cols, values };
  return { matrix, labels, kinds, categoryCounts: kinds.map((k) => (k === 'categorical' ? 9 : 0)) };
}

describe('training on two threads', () => {
  const { matrix, labels, kinds, categoryCounts } = dataset();
  const params = { maxTrees: 25, maxDepth: 6, minSamplesLeaf: 5, learningRate: 0.2, rowSubsample: 0.8, colSubsample: 0.7, earlyStoppingRounds: 0 };

  it('starts a second thread from the compiled code', () => {
    const columns = fitBins(matrix, kinds, categoryCounts, 255);
    const grower = new compiledGrow.TreeGrower({ rows: matrix.rows, kinds }, resolveParams({ threads: 2 }), labels, new Float64Array(labels.length).fill(1));
    try {
      grower.useBins(applyBins(matrix, columns), columns);
      expect(grower.threadCount).toBe(2);
    } finally {
      grower.close();
    }
  });

  it('grows the same trees as one thread, and as the source with no worker', () => {
    const train = (fn: typeof trainGbdt, threads: number) => fn(matrix, labels, { kinds, categoryCounts, params: { ...params, threads } });
    const one = train(compiledTrain.trainGbdt, 1);
    const two = train(compiledTrain.trainGbdt, 2);
    expect(one.ensemble.trees.length).toBe(25);
    expect(two.ensemble.trees).toEqual(one.ensemble.trees);
    expect(two.history).toEqual(one.history);
    expect(train(trainGbdt, 2).ensemble.trees).toEqual(one.ensemble.trees);
  });

  it('grows the same trees on one and two threads when only categorical bins are counted (minSamplesLeaf 1)', () => {
    const countFree = { ...params, minSamplesLeaf: 1, minChildWeight: 1 };
    // Sets of categories: the grower's categorical path counts their bins.
    const train = (threads: number) => compiledTrain.trainGbdt(matrix, labels, { kinds, categoryCounts, categorySplits: 'sets', params: { ...countFree, threads } });
    const one = train(1);
    expect(train(2).ensemble.trees).toEqual(one.ensemble.trees);
    // Every side of every split holds rows: the hessian stood in for the counts.
    const leafValues = one.ensemble.trees.flatMap((t) => Array.from(t.value).filter((_, i) => t.feature[i]! < 0));
    expect(leafValues.every((v) => Number.isFinite(v))).toBe(true);
    expect(one.ensemble.trees.every((t) => Array.from(t.cover).every((c) => c >= 1))).toBe(true);
  });

  it('takes from 1 to 16 threads', () => {
    expect(() => resolveParams({ threads: 0 })).toThrow('threads must be an integer from 1 to 16, got 0');
    expect(() => resolveParams({ threads: 1.5 })).toThrow(/threads must be an integer/);
    expect(resolveParams({}).threads).toBeGreaterThanOrEqual(1);
  });
});
