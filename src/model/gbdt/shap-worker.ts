import { parentPort } from 'node:worker_threads';
import { FastTreeShap } from './fast-shap.js';
import { FAILED, FINISHED, takeChunks, type ShapJobMessage } from './shap-threads.js';

/** A TreeSHAP thread (see shap-threads.ts): takes chunks of each job it is sent until none are left. */

/** Tables by model id, the most recently used last: a few models' worth (a server holds one set per tenant). */
const explainers = new Map<number, FastTreeShap>();
const KEEP = 8;

function explainerFor(job: ShapJobMessage): FastTreeShap {
  let explainer = explainers.get(job.id);
  if (explainer) explainers.delete(job.id);
  else explainer = new FastTreeShap(job.ensemble, job.options);
  explainers.set(job.id, explainer);
  if (explainers.size > KEEP) explainers.delete(explainers.keys().next().value!);
  return explainer;
}

parentPort!.on('message', (job: ShapJobMessage) => {
  try {
    takeChunks(explainerFor(job), { rows: job.rows, cols: job.cols, values: job.input }, job.output, job.control);
  } catch (error) {
    Atomics.store(job.control, FAILED, 1);
    Atomics.notify(job.control, FINISHED);
    parentPort!.postMessage(error instanceof Error ? (error.stack ?? error.message) : String(error));
  }
});
