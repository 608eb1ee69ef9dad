import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from '../../../test/helpers/random.js';
import type { FeatureKind, FeatureMatrix } from '../tree.js';
import type * as FastShap from './fast-shap.js';
import type * as Threads from './shap-threads.js';
import { shapWorkerFile } from './shap-threads.js';
import { trainGbdt } from './train.js';

/**
 * The TreeSHAP worker runs only from the compiled code (the suite's global setup builds dist/):
 * these tests load the compiled explainer and threads, where a worker really starts.
 */
const compiled = (file: string) => import(pathToFileURL(path.resolve(import.meta.dirname, '../../../dist/src/model/gbdt', file)).href);
const { FastTreeShap } = (await compiled('fast-shap.js')) as typeof FastShap;
const { ShapThreads, shapWorkerFile: compiledWorkerFile, CHUNK_ROWS } = (await compiled('shap-threads.js')) as typeof Threads;

/** Rows enough for several chunks, the last one short; a categorical column, some values missing. */
function dataset() {
  const next = rng(5);
  const rows = 4 * CHUNK_ROWS + 77;
  const cols = 8;
  const kinds: FeatureKind[] = Array.from({ length: cols }, (_, c) => (c === 0 ? 'categorical' : 'numeric'));
  const values = new Float64Array(rows * cols);
  const labels = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) values[r * cols + c] = next() < 0.05 ? NaN : c === 0 ? Math.floor(next() * 6) : next() * 2 - 1;
    const x = (c: number) => values[r * cols + c]!;
    labels[r] = next() < (x(1) > 0 ? 0.7 : 0.3) + ([1, 4].includes(x(0)) ? 0.15 : 0) - (x(2) * x(3) > 0 ? 0.1 : 0) ? 1 : 0;
  }
  const matrix: FeatureMatrix = { rows, cols, values };
  const { ensemble } = trainGbdt(matrix, labels, { kinds, categoryCounts: kinds.map((k) => (k === 'categorical' ? 6 : 0)), params: { maxTrees: 20, maxDepth: 5, learningRate: 0.3 } });
  return { matrix, ensemble };
}

describe('TreeSHAP on worker threads', () => {
  const { matrix, ensemble } = dataset();
  // Columns merged into slots, as reasons merge features into topics.
  const options = { slotOf: Int32Array.from([0, 1, 1, 2, 2, 3, 0, 3]), slots: 4 };
  const explainer = new FastTreeShap(ensemble, options);
  const oneThread = explainer.values(matrix).values;
  const pools: Threads.ShapThreads[] = [];
  const start = () => {
    const pool = new ShapThreads(compiledWorkerFile()!, 1);
    pools.push(pool);
    return pool;
  };
  afterAll(() => pools.forEach((pool) => pool.close()));

  it('has no worker in the TypeScript source, and one in the compiled code', () => {
    expect(shapWorkerFile()).toBeNull();
    expect(compiledWorkerFile()).toMatch(/shap-worker\.js$/);
  });

  it('gives the values of one thread when a worker explains every row', async () => {
    const pool = start();
    expect(pool.threads).toBe(2);
    const values = await pool.explain(explainer, ensemble, options, matrix).finish({ mainHelps: false });
    expect(values).toEqual(oneThread);
    expect(pool.failure).toBeNull();
  });

  it('gives the values of one thread when the main thread and a worker share the rows, batch after batch', async () => {
    const pool = start();
    for (let i = 0; i < 3; i++) expect(await pool.explain(explainer, ensemble, options, matrix).finish()).toEqual(oneThread);
    // A second model on the same worker: its own tables.
    const other = { slotOf: Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), slots: 8 };
    const byColumn = new FastTreeShap(ensemble, other);
    expect(await pool.explain(byColumn, ensemble, other, matrix).finish({ mainHelps: false })).toEqual(byColumn.values(matrix).values);
  });

  it('finishes on the main thread, with the same values, when the workers stop mid-batch', async () => {
    const pool = start();
    const job = pool.explain(explainer, ensemble, options, matrix);
    pool.close();
    expect(pool.threads).toBe(1);
    expect(await job.finish({ mainHelps: false })).toEqual(oneThread);
    expect(await pool.explain(explainer, ensemble, options, matrix).finish({ mainHelps: false })).toEqual(oneThread);
  });
});
