import { parentPort, workerData } from 'node:worker_threads';
import { trainModelSet, type ModelSet, type TrainModelSetOptions } from '../model/model-set.js';
import type { LeadHistory } from '../sync/index.js';
import { modelSetFiles } from './model-files.js';

/** What a training thread is asked to do (see train-thread.ts). */
export type ThreadTask =
  | { kind: 'train'; histories: LeadHistory[]; options: TrainModelSetOptions }
  | { kind: 'files'; set: ModelSet; card: string };

const task = workerData as ThreadTask;
try {
  const result = task.kind === 'train' ? trainModelSet(task.histories, task.options) : modelSetFiles(task.set, task.card);
  parentPort!.postMessage({ ok: true, result });
} catch (err) {
  const e = err as Error;
  parentPort!.postMessage({ ok: false, name: e.name, message: e.message, stack: e.stack });
}
