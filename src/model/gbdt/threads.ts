import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { ROW_CHUNKS, workRows } from './gradients.js';
import type { WasmMemory } from './kernel.js';
import { packBlock, partitionNode, workLevel, type Scratch, type WorkTable } from './hist.js';

/**
 * Histogram threads: workers that take blocks of the features of every level (and chunks of the
 * rows when gradients are computed) from a shared counter, synchronised with the main thread
 * through Atomics on a shared control array. Training stays synchronous: the main thread takes
 * blocks too, then waits until the workers are done.
 */

/** Fields of the control array. */
export const SEQ = 0; // bumped once per piece of work
export const DONE = 1; // workers finished with the current piece
export const NODE_COUNT = 2;
/** How many pieces (feature blocks or row chunks) the work has. */
export const PIECES = 3;
export const STOP = 4;
export const FAILED = 5;
export const READY = 6;
export const KIND = 7;
/** The next piece a thread may take. */
export const NEXT = 8;
export const CONTROL_INTS = 9;

/** Kinds of work. */
export const LEVEL = 0;
export const GRADIENTS = 1;
export const PARTITION = 2;
export const PACK = 3;

/** What a worker gets at its start. */
export interface WorkerSetup {
  table: WorkTable;
  /** The work memory the table's kernel arrays live in (kernel.ts). */
  memory: WasmMemory;
  control: Int32Array;
  /** Histograms made later arrive here, as { slot, hist }; failures go back through it. */
  port: MessagePort;
}

/** Takes pieces of the work the control array describes until none is left. */
export function workShare(table: WorkTable, control: Int32Array, scratch: Scratch): void {
  const kind = control[KIND];
  const pieces = control[PIECES]!;
  for (let piece = Atomics.add(control, NEXT, 1); piece < pieces; piece = Atomics.add(control, NEXT, 1)) {
    if (kind === GRADIENTS) workRows(table, piece, piece + 1);
    else if (kind === PARTITION) partitionNode(table, piece);
    else if (kind === PACK) packBlock(table, piece, scratch);
    else workLevel(table, control[NODE_COUNT]!, piece, scratch);
  }
}

/**
 * The compiled worker script, or null where there is none (TypeScript run from source, as in
 * the unit tests): training then keeps to one thread, with the same trees.
 */
export function workerFile(): string | null {
  const file = fileURLToPath(new URL('./hist-worker.js', import.meta.url));
  return fs.existsSync(file) ? file : null;
}

/** How long a worker may take to start before training goes on without it. */
const START_TIMEOUT_MS = 20_000;

export class HistThreads {
  private readonly control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_INTS));
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private started = false;
  /** Threads sharing the work, the main one included. */
  count: number;

  constructor(
    file: string,
    private readonly table: WorkTable,
    memory: WasmMemory,
    threads: number,
    private readonly scratch: Scratch,
  ) {
    this.count = threads;
    for (let worker = 1; worker < threads; worker++) {
      const { port1, port2 } = new MessageChannel();
      const setup: WorkerSetup = { table, memory, control: this.control, port: port2 };
      const worker = new Worker(file, { workerData: setup, transferList: [port2] });
      // Never keeps the process alive, whatever happens to training.
      worker.unref();
      this.workers.push(worker);
      this.ports.push(port1);
    }
  }

  addHistogram(slot: number, hist: Float64Array): void {
    for (const port of this.ports) port.postMessage({ slot, hist });
  }

  /** Threads working, once the workers have started (or failed to in time). */
  ready(): number {
    if (!this.started) this.awaitStart();
    return this.count;
  }

  /** Has the threads build the histograms of a level and search its splits, block by block. */
  runLevel(nodeCount: number, blocks: number): void {
    this.control[NODE_COUNT] = nodeCount;
    this.run(LEVEL, blocks);
  }

  /** Has the threads partition the first `nodes` nodes of table.parts, node by node. */
  runPartition(nodes: number): void {
    this.run(PARTITION, nodes);
  }

  /** Has the threads pack the bins of the features, block by block. */
  runPack(blocks: number): void {
    this.run(PACK, blocks);
  }

  /** Has the threads work out the gradients at the current margins, chunk by chunk. */
  runGradients(): void {
    this.run(GRADIENTS, ROW_CHUNKS);
  }

  private run(kind: number, pieces: number): void {
    if (!this.started) this.awaitStart();
    const c = this.control;
    const threads = this.count;
    c[KIND] = kind;
    c[PIECES] = pieces;
    Atomics.store(c, NEXT, 0);
    if (threads > 1) {
      Atomics.store(c, DONE, 0);
      Atomics.add(c, SEQ, 1);
      Atomics.notify(c, SEQ);
    }
    workShare(this.table, c, this.scratch);
    for (let done = Atomics.load(c, DONE); done < threads - 1; done = Atomics.load(c, DONE)) Atomics.wait(c, DONE, done);
    if (Atomics.load(c, FAILED) === 1) {
      const messages = this.ports.map((port) => receiveMessageOnPort(port)?.message).filter(Boolean);
      this.close();
      throw new Error(`a histogram thread failed: ${messages.join('; ')}`);
    }
  }

  /** Waits for the workers to start; without them in time, the main thread does all the work. */
  private awaitStart(): void {
    this.started = true;
    const c = this.control;
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (let ready = Atomics.load(c, READY); ready < this.workers.length; ready = Atomics.load(c, READY)) {
      if (Date.now() >= deadline) {
        this.close();
        this.count = 1;
        return;
      }
      Atomics.wait(c, READY, ready, 100);
    }
  }

  close(): void {
    Atomics.store(this.control, STOP, 1);
    Atomics.add(this.control, SEQ, 1);
    Atomics.notify(this.control, SEQ);
    for (const worker of this.workers) void worker.terminate();
    for (const port of this.ports) port.close();
    this.workers.length = 0;
    this.ports.length = 0;
  }
}
