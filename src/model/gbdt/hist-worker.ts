import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { Scratch } from './hist.js';
import { histKernel } from './kernel.js';
import { DONE, FAILED, READY, SEQ, STOP, workShare, type WorkerSetup } from './threads.js';

/** A histogram thread (see threads.ts): works on its share of each piece of work until told to stop. */
const { table, memory, control, port } = workerData as WorkerSetup;
const scratch = new Scratch(histKernel(memory));
Atomics.add(control, READY, 1);
Atomics.notify(control, READY);
let seen = 0;
for (;;) {
  Atomics.wait(control, SEQ, seen);
  seen = Atomics.load(control, SEQ);
  if (Atomics.load(control, STOP) === 1) break;
  try {
    // Histograms made since the last level: they were posted before the level was.
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      const { slot, hist } = m.message as { slot: number; hist: Float64Array };
      table.hists[slot] = hist;
    }
    workShare(table, control, scratch);
  } catch (error) {
    port.postMessage(error instanceof Error ? (error.stack ?? error.message) : String(error));
    Atomics.store(control, FAILED, 1);
  }
  Atomics.add(control, DONE, 1);
  Atomics.notify(control, DONE);
}
port.close();
