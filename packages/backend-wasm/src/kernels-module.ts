import { LlamitaError } from '@llamita/core';

/** The exports of `assembly/matmul.ts` (pointers are byte offsets into the shared memory). */
export interface KernelExports {
  matmulF32(x: number, w: number, out: number, m: number, k: number, n: number): void;
  matmulQ8_0(xq: number, xd: number, w: number, out: number, m: number, k: number, n: number, f16: number): void;
  matmulQ4_0(xq: number, xd: number, w: number, out: number, m: number, k: number, n: number, f16: number): void;
  matmulQ4_K(xq: number, xd: number, xs: number, w: number, out: number, m: number, k: number, n: number, f16: number): void;
  matmulQ6_K(xq: number, xd: number, w: number, out: number, m: number, k: number, n: number, f16: number): void;
}

/** The compiled kernels, built by the package's build step into `build/kernels.wasm` (not committed). */
const WASM_URL = new URL('../build/kernels.wasm', import.meta.url);

let cached: Promise<WebAssembly.Module> | undefined;

/** Compiles the kernel module once per process (Node reads the file; browsers fetch it). */
export function kernelModule(): Promise<WebAssembly.Module> {
  cached ??= (async () => {
    let bytes: ArrayBuffer;
    try {
      if (WASM_URL.protocol === 'file:') {
        const { readFile } = await import('node:fs/promises');
        const data = await readFile(WASM_URL);
        bytes = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
      } else {
        bytes = await (await fetch(WASM_URL)).arrayBuffer();
      }
    } catch (e) {
      cached = undefined;
      throw new LlamitaError('E_BACKEND_UNAVAILABLE', `cannot load the wasm kernels from ${WASM_URL.href} (was the package built?): ${(e as Error).message}`);
    }
    return WebAssembly.compile(bytes);
  })();
  return cached;
}

/** Instantiates the kernels over `memory`. */
export async function instantiateKernels(memory: WebAssembly.Memory): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(await kernelModule(), {
    env: {
      memory,
      abort: () => {
        throw new LlamitaError('E_INVALID_ARGUMENT', 'a wasm kernel aborted');
      },
    },
  });
  return instance.exports as unknown as KernelExports;
}
