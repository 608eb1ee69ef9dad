import { parentPort } from 'node:worker_threads';
import { FastTreeShap } from './fast-shap.js';
import { FAILED, FINISHED, takeChunks, type ShapJobMessage } from './shap-threads.js';

/** A TreeSHAP thread (see shap-threads.ts): takes chunks of each job it is sent until none are left. */

/** Tables by model id, from the first job for each model until the main thread says to forget them. */
const explainers = new Map<number, FastTreeShap>();

parentPort!.on('message', (message: ShapJobMessage | { forget: number }) => {
  if ('forget' in message) {
    explainers.delete(message.forget);
    return;
  }
  const job = message;
  try {
    if (job.model) explainers.set(job.id, new FastTreeShap(job.model.ensemble, job.model.options));
    const explainer = explainers.get(job.id);
    if (!explainer) throw new Error(`no tables for model ${job.id}`);
    takeChunks(explainer, { rows: job.rows, cols: job.cols, values: job.input }, job.output, job.control);
  } catch (error) {
    Atomics.store(job.control, FAILED, 1);
    Atomics.notify(job.control, FINISHED);
    parentPort!.postMessage(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
});
