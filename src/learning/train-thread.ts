import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { trainingsInThread, trainingsInThreadFinished } from '../config/metrics.js';
import { trainModelSet, type ModelSet, type TrainModelSetOptions } from '../model/model-set.js';
import { NotEnoughDataError } from '../model/training-set.js';
import type { LeadHistory } from '../sync/index.js';
import { modelSetFiles } from './model-files.js';
import type { ThreadTask } from './train-worker.js';

/**
 * Training and writing a model's files are seconds to minutes of synchronous CPU work. The
 * embedded server (`npm start`) runs the retrain job in the web process itself, so that work runs
 * in a worker thread: the event loop keeps answering requests while a tenant retrains.
 */

/**
 * The compiled worker script: beside this module when compiled; run from TypeScript source (the
 * tests), the one the build put under dist/ (the test setup builds it). Null when there is none:
 * the work then runs on the calling thread.
 */
export function trainWorkerFile(): string | null {
  const beside = fileURLToPath(new URL('./train-worker.js', import.meta.url));
  if (fs.existsSync(beside)) return beside;
  if (!import.meta.url.endsWith('.ts')) return null;
  const built = fileURLToPath(new URL('../../dist/src/learning/train-worker.js', import.meta.url));
  return fs.existsSync(built) ? built : null;
}

function inThread<T>(task: ThreadTask, here: () => T): Promise<T> {
  const file = trainWorkerFile();
  if (!file) return Promise.resolve().then(here);
  trainingsInThread.inc();
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(file, { workerData: task });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      trainingsInThread.dec();
      trainingsInThreadFinished.inc();
      fn();
    };
    worker.once('message', (m: { ok: true; result: T } | { ok: false; name: string; message: string; stack?: string }) => {
      settle(() => {
        if (m.ok) return resolve(m.result);
        // The trainer's "not enough data" stays recognisable across the thread boundary.
        const error = m.name === 'NotEnoughDataError' ? new NotEnoughDataError(m.message) : new Error(m.message);
        if (m.stack) error.stack = m.stack;
        reject(error);
      });
      void worker.terminate();
    });
    worker.once('error', (err) => settle(() => reject(err)));
    worker.once('exit', (code) => settle(() => reject(new Error(`the training thread stopped (exit code ${code}) before it answered`))));
  });
}

/** trainModelSet in a worker thread. */
export function trainModelSetInThread(histories: readonly LeadHistory[], options: TrainModelSetOptions): Promise<ModelSet> {
  return inThread({ kind: 'train', histories: [...histories], options }, () => trainModelSet(histories, options));
}

/** modelSetFiles (the ONNX and tree files, manifest and card) in a worker thread. */
export function modelSetFilesInThread(set: ModelSet, card: string): Promise<Array<{ name: string; bytes: Uint8Array }>> {
  return inThread({ kind: 'files', set, card }, () => modelSetFiles(set, card));
}
