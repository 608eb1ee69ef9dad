/** The text of kernels-wasm.ts as the .wat files assemble to now. */
export function assembleKernels(): Promise<string>;
