/** The text of hist-kernel-wasm.ts as hist-kernel.wat assembles to now. */
export function assembleKernel(): Promise<string>;
