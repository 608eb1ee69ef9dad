import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FeatureMatrix, TreeEnsemble } from '../tree.js';
import type { FastTreeShap, FastTreeShapOptions } from './fast-shap.js';

/**
 * TreeSHAP for a large batch on several threads: the rows are cut into chunks that the workers
 * and the main thread take from a shared counter until none are left, so a thread that is busy
 * elsewhere (the main one runs the ONNX models meanwhile) simply takes fewer. Each row is
 * explained by the same code whichever thread takes it: the values are those of one thread.
 */

/** Rows a thread takes at a time: two blocks, small enough to share out evenly. */
export const CHUNK_ROWS = 1024;

/** Fields of a job's control array. */
export const NEXT = 0; // next chunk to take
export const FINISHED = 1; // chunks done
export const FAILED = 2; // a worker failed: the main thread explains the batch itself
const CONTROL_INTS = 3;

/** What a worker gets for a job. The tables are built once per model id and kept until the main thread's explainer is gone. */
export interface ShapJobMessage {
  id: number;
  /** The model, with the first job for it only: copying it costs more than a thousand leads' work. */
  model?: { ensemble: TreeEnsemble; options: { slotOf: Int32Array; slots: number } };
  rows: number;
  cols: number;
  /** Backed by SharedArrayBuffers: the rows in, the contributions out (rows x width). */
  input: Float64Array;
  output: Float64Array;
  control: Int32Array;
}

/** Takes chunks of the job until none are left. */
export function takeChunks(explainer: FastTreeShap, matrix: FeatureMatrix, output: Float64Array, control: Int32Array): void {
  const chunks = Math.ceil(matrix.rows / CHUNK_ROWS);
  for (let chunk = Atomics.add(control, NEXT, 1); chunk < chunks; chunk = Atomics.add(control, NEXT, 1)) {
    explainer.valuesInto(matrix, output, chunk * CHUNK_ROWS, Math.min(matrix.rows, (chunk + 1) * CHUNK_ROWS));
    Atomics.add(control, FINISHED, 1);
    Atomics.notify(control, FINISHED);
  }
}

/**
 * The compiled worker script, or null where there is none (TypeScript run from source, as in
 * the unit tests): explanations then stay on one thread, with the same values.
 */
export function shapWorkerFile(): string | null {
  const file = fileURLToPath(new URL('./shap-worker.js', import.meta.url));
  return fs.existsSync(file) ? file : null;
}

export interface ShapJob {
  /**
   * The contributions of every row (rows x width): the main thread takes the chunks no worker has
   * taken yet, then waits for the workers' last ones.
   */
  finish(options?: { mainHelps?: boolean }): Promise<Float64Array>;
}

export class ShapThreads {
  private readonly workers: Worker[] = [];
  /** Control arrays of the jobs being waited for: failed at once if a worker dies. */
  private readonly waiting = new Set<Int32Array>();
  private readonly ids = new WeakMap<FastTreeShap, number>();
  private nextId = 0;
  /** A model's tables are dropped from the workers once its explainer here is collected. */
  private readonly forget = new FinalizationRegistry<number>((id) => {
    for (const worker of this.workers) worker.postMessage({ forget: id });
  });
  private broken = false;
  /** Why the workers stopped, if one failed: the main thread then explains every batch alone. */
  failure: string | null = null;

  constructor(file: string, workers: number) {
    for (let i = 0; i < workers; i++) {
      const worker = new Worker(file);
      worker.on('message', (message: string) => this.fail(message));
      worker.on('error', (error) => this.fail(error.stack ?? error.message));
      worker.on('exit', (code) => this.fail(`a TreeSHAP thread exited with code ${code}`));
      // Never keeps the process alive (after the listeners: adding a 'message' one refs the worker again).
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** Threads that share a job, the main one included. */
  get threads(): number {
    return this.broken ? 1 : this.workers.length + 1;
  }

  /**
   * Starts explaining the matrix on the workers at once; finish() has the main thread join in.
   * `options` are those the explainer was built with: each worker builds the same tables.
   */
  explain(explainer: FastTreeShap, ensemble: TreeEnsemble, options: Required<FastTreeShapOptions>, matrix: FeatureMatrix): ShapJob {
    if (this.broken) return { finish: async () => explainer.values(matrix).values };
    const input = new Float64Array(new SharedArrayBuffer(matrix.values.length * 8));
    input.set(matrix.values);
    const shared: FeatureMatrix = { rows: matrix.rows, cols: matrix.cols, values: input };
    const output = new Float64Array(new SharedArrayBuffer(matrix.rows * explainer.width * 8));
    const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_INTS));
    let id = this.ids.get(explainer);
    const first = id === undefined;
    if (id === undefined) {
      this.ids.set(explainer, (id = this.nextId++));
      this.forget.register(explainer, id);
    }
    const message: ShapJobMessage = {
      id,
      model: first ? { ensemble, options: { slotOf: Int32Array.from(options.slotOf), slots: options.slots } } : undefined,
      rows: matrix.rows,
      cols: matrix.cols,
      input,
      output,
      control,
    };
    for (const worker of this.workers) worker.postMessage(message);
    const chunks = Math.ceil(matrix.rows / CHUNK_ROWS);
    return {
      finish: async ({ mainHelps = true } = {}) => {
        if (mainHelps) takeChunks(explainer, shared, output, control);
        if (Atomics.load(control, FINISHED) < chunks) {
          // Workers stopped since the job started may have left chunks taken but not done.
          if (this.broken) return explainer.values(matrix).values;
          // At most one chunk per worker is still being explained: wait for it without blocking the
          // event loop, the workers ref'd meanwhile (a wait on shared memory keeps no process alive).
          this.waiting.add(control);
          for (const worker of this.workers) worker.ref();
          try {
            for (let done = Atomics.load(control, FINISHED); done < chunks && Atomics.load(control, FAILED) === 0; done = Atomics.load(control, FINISHED)) {
              const wait = Atomics.waitAsync(control, FINISHED, done);
              if (wait.async) await wait.value;
            }
          } finally {
            this.waiting.delete(control);
            if (this.waiting.size === 0) for (const worker of this.workers) worker.unref();
          }
        }
        // A worker failed with chunks taken: the main thread explains the whole batch, with the same values.
        if (Atomics.load(control, FAILED) === 1) return explainer.values(matrix).values;
        return output;
      },
    };
  }

  private fail(reason: string): void {
    if (!this.broken) this.failure = reason;
    this.close();
  }

  /** Stops the workers; jobs under way are finished by the main thread. */
  close(): void {
    this.broken = true;
    for (const control of this.waiting) {
      Atomics.store(control, FAILED, 1);
      Atomics.notify(control, FINISHED);
    }
    for (const worker of this.workers) void worker.terminate();
    this.workers.length = 0;
  }
}
