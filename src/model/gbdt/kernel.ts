import { HIST_KERNEL_WASM, SHAP_KERNEL_WASM } from './kernels-wasm.js';

/**
 * The WebAssembly kernels (hist-kernel.wat for training, shap-kernel.wat for explanations) and
 * the memory they work in. What a kernel reads lives in one shared WebAssembly memory (for
 * training, seen by every histogram thread, each with its own instance of the kernel).
 */

/**
 * Node's WebAssembly, typed for what is used here: TypeScript types it only in its DOM library,
 * which the project does not load.
 */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
interface Wasm {
  Memory: new (descriptor: { initial: number; maximum: number; shared: true }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: { env: { memory: WasmMemory } }) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

/** WebAssembly's page, 64 KiB. */
const PAGE = 65_536;
/** 2 GiB: every address stays a positive i32. */
const MAX_PAGES = 32_768;

export interface HistKernel {
  /** See hist-kernel.wat: all pointers are byte offsets into the work memory. */
  addRows(
    packed: number,
    order: number,
    gh: number,
    hist: number,
    start: number,
    end: number,
    from: number,
    to: number,
    rows: number,
    counted: number,
    countedLength: number,
    counts: number,
  ): void;
  /** See hist-kernel.wat: packs features [from, to) of `features` into their block of `packed`. */
  packBlock(bins: number, features: number, packed: number, from: number, to: number, rows: number): void;
  /** See hist-kernel.wat: the best bin or -1; the winner's gain, left sums and missing direction in the globals. */
  scanNumeric(
    column: number,
    count: number,
    G: number,
    H: number,
    gm: number,
    hm: number,
    hasMissing: number,
    minH: number,
    l2: number,
    parentScore: number,
    bestGain: number,
    bar: number,
    slack: number,
  ): number;
  readonly gain: { value: number };
  readonly leftG: { value: number };
  readonly leftH: { value: number };
  readonly missingLeft: { value: number };
}

export interface ShapKernel {
  /** See shap-kernel.wat: all pointers are byte offsets into the explainer's memory. */
  explainTrees(layout: number, agrees: number, cleared: number, column32: number, codes: number, sums: number, index: number, n: number, block: number, trees: number): void;
}

const compiled = new Map<string, object>();

function instance(bytes: string, memory: WasmMemory): unknown {
  let module = compiled.get(bytes);
  if (!module) compiled.set(bytes, (module = new wasm.Module(Buffer.from(bytes, 'base64'))));
  return new wasm.Instance(module, { env: { memory } }).exports;
}

/** An instance of the histogram kernel on `memory`: one per thread. */
export function histKernel(memory: WasmMemory): HistKernel {
  return instance(HIST_KERNEL_WASM, memory) as HistKernel;
}

/** An instance of the TreeSHAP kernel on `memory`. */
export function shapKernel(memory: WasmMemory): ShapKernel {
  return instance(SHAP_KERNEL_WASM, memory) as ShapKernel;
}

/**
 * A kernel's memory, handed out from the bottom and never freed (a training's histogram slots
 * are reused by the grower instead). It grows as arrays are added; views made before a growth
 * stay valid, as the memory is shared.
 */
export class WorkMemory {
  readonly memory: WasmMemory;
  private used = 0;

  /** `bytes` to start with; `owner` names what it is for in the error when it is full; `maxPages` is for tests. */
  constructor(
    bytes: number,
    private readonly owner = 'training',
    private readonly maxPages = MAX_PAGES,
  ) {
    this.memory = new wasm.Memory({ initial: Math.min(maxPages, Math.max(1, Math.ceil(bytes / PAGE))), maximum: maxPages, shared: true });
  }

  float64(length: number, what: string): Float64Array {
    const at = this.alloc(8 * length, what);
    return new Float64Array(this.memory.buffer, at, length);
  }

  float32(length: number, what: string): Float32Array {
    const at = this.alloc(4 * length, what);
    return new Float32Array(this.memory.buffer, at, length);
  }

  int32(length: number, what: string): Int32Array {
    const at = this.alloc(4 * length, what);
    return new Int32Array(this.memory.buffer, at, length);
  }

  uint8(length: number, what: string): Uint8Array {
    const at = this.alloc(length, what);
    return new Uint8Array(this.memory.buffer, at, length);
  }

  /** Byte offset of `bytes` new bytes, 16-aligned (the kernel reads gradient pairs 16 at a time). */
  private alloc(bytes: number, what: string): number {
    const at = Math.ceil(this.used / 16) * 16;
    const end = at + bytes;
    const size = this.memory.buffer.byteLength;
    if (end > size) {
      const pages = Math.ceil((end - size) / PAGE);
      if (size / PAGE + pages > this.maxPages) {
        const limit = this.maxPages * PAGE >= 2 ** 30 ? `${(this.maxPages * PAGE) / 2 ** 30} GiB` : `${(this.maxPages * PAGE) / 2 ** 20} MiB`;
        throw new Error(`${this.owner} needs more than ${limit} of working memory (at ${what}): use fewer features or smaller trees`);
      }
      this.memory.grow(pages);
    }
    this.used = end;
    return at;
  }
}
