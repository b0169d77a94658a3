import { LlamitaError } from '@llamita/core';
import { detectWasmFeatures } from './features.js';

/** The exports of `assembly/matmul.ts` (pointers are byte offsets into the shared memory). */
// Every kernel ends with `j0, j1`: it computes output columns j0 <= j < j1 of n, so threads can split it.
export interface KernelExports {
  matmulF32(x: number, w: number, out: number, m: number, k: number, n: number, j0: number, j1: number): void;
  matmulQ8_0(xq: number, xd: number, w: number, out: number, m: number, k: number, n: number, f16: number, j0: number, j1: number): void;
  /** Against block-major activations; `chains` holds 16 · m bytes of scratch per thread. */
  matmulQ4_0(xq: number, xd: number, xs: number, w: number, out: number, m: number, k: number, n: number, f16: number, chains: number, j0: number, j1: number): void;
  /** Against block-major activations; `chains` holds 32 · m bytes of scratch per thread. */
  matmulQ4_K(xq: number, xd: number, xs: number, w: number, out: number, m: number, k: number, n: number, f16: number, chains: number, j0: number, j1: number): void;
  matmulQ6_K(xq: number, xd: number, xs: number, w: number, out: number, m: number, k: number, n: number, f16: number, j0: number, j1: number): void;
  matmulQ4_1(xq: number, xd: number, xs: number, w: number, out: number, m: number, k: number, n: number, f16: number, j0: number, j1: number): void;
  matmulQ5_0(xq: number, xd: number, xs: number, w: number, out: number, m: number, k: number, n: number, f16: number, j0: number, j1: number): void;
  matmulQ5_1(xq: number, xd: number, xs: number, w: number, out: number, m: number, k: number, n: number, f16: number, j0: number, j1: number): void;
  matmulQ5_K(xq: number, xd: number, xs: number, w: number, out: number, m: number, k: number, n: number, f16: number, j0: number, j1: number): void;
  matmulQ2_K(xq: number, xd: number, xs: number, w: number, out: number, m: number, k: number, n: number, f16: number, j0: number, j1: number): void;
  matmulQ3_K(xq: number, xd: number, xs: number, w: number, out: number, m: number, k: number, n: number, f16: number, j0: number, j1: number): void;
  /** f16 / bf16 weights against activations rounded to the same type (f32 values). */
  matmulF16(x: number, w: number, out: number, m: number, k: number, n: number, f16: number, j0: number, j1: number): void;
  matmulBF16(x: number, w: number, out: number, m: number, k: number, n: number, f16: number, j0: number, j1: number): void;
  /** Elements [4·c0, 4·c1) of x rounded to f16 (bf16 when brain = 1) values, as f32, into out. */
  roundToHalf(x: number, out: number, count: number, brain: number, c0: number, c1: number): void;
  /**
   * Rewrites the Q4_0 / Q4_K weight w [n, blocks of header + payload bytes] into (unpack = 0) or
   * out of (1) the kernels' layout: per group of four rows and block, the four headers, then the
   * payloads interleaved by four-byte words. `tmp` holds four rows.
   */
  repackWords4(w: number, n: number, blocks: number, header: number, payload: number, tmp: number, unpack: number): void;
  /** KV heads g0 <= g < g1 of attention over an f16 cache, with their query heads; `scratch` holds attentionScratchBytes per KV head. */
  attentionF16(
    q: number,
    k: number,
    v: number,
    positions: number,
    scale: number,
    m: number,
    nHead: number,
    nKv: number,
    hd: number,
    ctx: number,
    out: number,
    scratch: number,
    g0: number,
    g1: number,
  ): void;
  /** Rows i0 <= i < i1 of x [m, k] quantized to Q8_0 (quants, f16-rounded scales, per-32 sums), as tensor's quantizeRowQ8_0; stored block-major when blockMajor = 1. */
  quantizeQ8_0(x: number, m: number, k: number, qs: number, ds: number, sums: number, blockMajor: number, i0: number, i1: number): void;
  /** Rows i0 <= i < i1 of x [m, k] quantized to Q8_K (quants, scales, per-16 sums), as tensor's quantizeRowQ8K; stored block-major when blockMajor = 1. */
  quantizeQ8K(x: number, m: number, k: number, qs: number, ds: number, sums: number, blockMajor: number, i0: number, i1: number): void;
  /** Sets the thread index of this instance (0 for the calling thread; a pool worker's index): kernels with per-thread scratch use it. */
  setThreadIndex(index: number): void;
  /** out = silu(gate) · up over elements [4·c0, 4·c1) of `count`. */
  swiglu(gate: number, up: number, out: number, count: number, c0: number, c1: number): void;
  /** out = a + b over elements [4·c0, 4·c1) of `count`. */
  add(a: number, b: number, out: number, count: number, c0: number, c1: number): void;
  /** RMSNorm of rows r0 <= r < r1 of x [m, n], as ggml rounds it. */
  rmsNorm(x: number, weight: number, eps: number, m: number, n: number, out: number, r0: number, r1: number): void;
  /** RoPE of tokens r0 <= r < r1 with per-element cos/sin tables [m, hd]; half = 1 pairs (i, i + hd/2), 0 pairs (2i, 2i+1). */
  rope(x: number, out: number, cos: number, sin: number, m: number, heads: number, hd: number, half: number, r0: number, r1: number): void;
  /** Scratch bytes attentionF16 needs per KV head, for a batch of m query rows. */
  attentionScratchBytes(group: number, hd: number, m: number): number;
}

/** Names of the kernels, the order the thread pool indexes them by. */
export const KERNEL_NAMES = [
  'matmulF32',
  'matmulF16',
  'matmulBF16',
  'matmulQ8_0',
  'matmulQ4_0',
  'matmulQ4_1',
  'matmulQ5_0',
  'matmulQ5_1',
  'matmulQ2_K',
  'matmulQ3_K',
  'matmulQ4_K',
  'matmulQ5_K',
  'matmulQ6_K',
  'roundToHalf',
  'attentionF16',
  'quantizeQ8_0',
  'quantizeQ8K',
  'swiglu',
  'add',
  'rmsNorm',
  'rope',
] as const satisfies readonly (keyof KernelExports)[];

/** A kernel's name. */
export type KernelName = (typeof KERNEL_NAMES)[number];

/**
 * The compiled kernels, built by the package's build step (not committed):
 * over an ordinary memory or a shared one (threads), each with plain SIMD128
 * or with relaxed SIMD (the default where the runtime validates it).
 * Each instance writes the module's one data segment (expf's table, below
 * the first 64 KiB that buffers never use) when it starts; over a shared
 * memory the workers rewrite the same bytes, which is harmless.
 */
const WASM_URLS = {
  single: new URL('../build/kernels.wasm', import.meta.url),
  'single-relaxed': new URL('../build/kernels-relaxed.wasm', import.meta.url),
  shared: new URL('../build/kernels-shared.wasm', import.meta.url),
  'shared-relaxed': new URL('../build/kernels-shared-relaxed.wasm', import.meta.url),
};

/** Which memory the kernels run over: an ordinary one, or a shared one (threads). */
export type MemoryKind = 'single' | 'shared';

const cached = new Map<string, Promise<WebAssembly.Module>>();

/**
 * Compiles the kernel module for `kind` once per process (Node reads the
 * file; browsers fetch it): the relaxed-SIMD build where the runtime has it.
 */
export function kernelModule(kind: MemoryKind = 'single', relaxed = detectWasmFeatures().relaxedSimd): Promise<WebAssembly.Module> {
  const variant = relaxed ? (`${kind}-relaxed` as const) : kind;
  const WASM_URL = WASM_URLS[variant];
  let module = cached.get(variant);
  if (module) return module;
  module = (async () => {
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
      cached.delete(variant);
      throw new LlamitaError('E_BACKEND_UNAVAILABLE', `cannot load the wasm kernels from ${WASM_URL.href} (was the package built?): ${(e as Error).message}`);
    }
    return WebAssembly.compile(bytes);
  })();
  cached.set(variant, module);
  return module;
}

/** Instantiates `module` (one of {@link kernelModule}'s) over `memory` (shared or not, to match). */
export async function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(module, {
    env: {
      memory,
      abort: () => {
        throw new LlamitaError('E_INVALID_ARGUMENT', 'a wasm kernel aborted');
      },
    },
  });
  return instance.exports as unknown as KernelExports;
}
