import { HIST_KERNEL_WASM } from './hist-kernel-wasm.js';

/**
 * The WebAssembly side of histogram building: the kernel (hist-kernel.wat) and the memory it
 * works in. What the kernel reads (bins, rows, gradients, histograms) lives in one shared
 * WebAssembly memory, seen by every histogram thread, each with its own instance of the kernel.
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
}

let compiled: object | null = null;

/** An instance of the kernel on `memory`: one per thread. */
export function histKernel(memory: WasmMemory): HistKernel {
  compiled ??= new wasm.Module(Buffer.from(HIST_KERNEL_WASM, 'base64'));
  return new wasm.Instance(compiled, { env: { memory } }).exports as unknown as HistKernel;
}

/**
 * A training's work memory, handed out from the bottom and never freed (histogram slots are
 * reused by the grower instead). It grows as histograms are added; views made before a growth
 * stay valid, as the memory is shared.
 */
export class WorkMemory {
  readonly memory: WasmMemory;
  private used = 0;

  /** `bytes` to start with; `maxPages` is for tests. */
  constructor(
    bytes: number,
    private readonly maxPages = MAX_PAGES,
  ) {
    this.memory = new wasm.Memory({ initial: Math.min(maxPages, Math.max(1, Math.ceil(bytes / PAGE))), maximum: maxPages, shared: true });
  }

  float64(length: number, what: string): Float64Array {
    const at = this.alloc(8 * length, what);
    return new Float64Array(this.memory.buffer, at, length);
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
        throw new Error(`training needs more than ${limit} of working memory (at ${what}): use fewer features or a lower maxDepth`);
      }
      this.memory.grow(pages);
    }
    this.used = end;
    return at;
  }
}
