import { ProfilingBackend, type BackendFactory } from '@llamita/core';
import { jsBackend } from '@llamita/backend-js';
import { wasmBackend } from '@llamita/backend-wasm';
import { createWebGpuBackendFactory, type DecodeShape, type TiledShape, type WebGpuBackendOptions } from '@llamita/backend-webgpu';
import { dawnGpu } from '@llamita/backend-webgpu/node';
import type { BackendOption } from 'llamita';
import { UsageError } from './cli-error.js';

/** The backends `--backend` names, best first: what `auto` (the default) tries in turn. */
export const BACKEND_NAMES = ['webgpu', 'wasm', 'js'] as const;

/**
 * What `--backend` asks for: `auto` (the default) is webgpu, then wasm, then
 * js, the first that probes well and runs every op of the model; a name is
 * that backend alone. `threads` (wasm; the default is every hardware thread)
 * and `plainSimd` (wasm off its relaxed-SIMD kernels, for comparisons) shape
 * the wasm backend; `profile` wraps the chosen backend in a {@link ProfilingBackend}
 * (webgpu instead times its dispatches with timestamp queries); `webgpuTuning`
 * sets webgpu's kernel shapes and paths (tuning, comparisons).
 */
export function backendOption(name: string | undefined, threads: number | undefined, plainSimd = false, profile = false, webgpuTuning: WebGpuTuning = {}): BackendOption {
  const wasm: BackendFactory = { ...wasmBackend, create: () => wasmBackend.create({ ...(threads !== undefined && { threads }), ...(plainSimd && { relaxedSimd: false }) }) };
  const choice = name ?? 'auto';
  // a software adapter (SwiftShader, llvmpipe) is slower than wasm: only when asked for by name
  // profiled on the GPU by timestamp queries, not op by op from the host (which would time only the encoding)
  const webgpu = createWebGpuBackendFactory({ gpu: dawnGpu, allowSoftwareAdapter: choice === 'webgpu', timestamps: profile, ...webgpuTuning });
  const byName: Record<(typeof BACKEND_NAMES)[number], BackendFactory> = { webgpu, wasm, js: jsBackend };
  if (choice === 'js' && threads !== undefined && threads !== 1) throw new UsageError('the js backend is single-threaded: --threads must be 1 (use --backend wasm for threads)');
  if (choice !== 'auto' && !(choice in byName)) throw new UsageError(`unknown backend "${name}" (available: auto, ${BACKEND_NAMES.join(', ')})`);
  const factories = choice === 'auto' ? BACKEND_NAMES.map((n) => byName[n]) : [byName[choice as keyof typeof byName]];
  return profile ? factories.map((f) => (f === webgpu ? f : { ...f, create: async () => new ProfilingBackend(await f.create()) })) : factories;
}

/** The WebGPU options `llamita bench` exposes for tuning: `--webgpu-tile`, `--webgpu-decode`, `--webgpu-float-dot`, `--webgpu-prepared-x`, `--webgpu-no-split-attention`, `--webgpu-no-subgroups`. */
export type WebGpuTuning = Pick<WebGpuBackendOptions, 'prefillTile' | 'decodeShape' | 'integerDot' | 'preparedX' | 'splitAttention' | 'subgroups'>;

/**
 * A decode matmul workgroup written `THREADSxROWS/UNROLL` (`16x16/4`), for `--webgpu-decode`.
 * @throws UsageError for another form; the backend checks the numbers.
 */
export function parseDecodeShape(text: string): DecodeShape {
  const m = /^(\d+)x(\d+)\/(\d+)$/.exec(text);
  if (!m) throw new UsageError(`--webgpu-decode must look like 16x16/4 (threads per output x outputs / blocks loaded at once), not "${text}"`);
  const [threads, rows, unroll] = m.slice(1).map(Number) as [number, number, number];
  return { threads, rows, unroll };
}

/**
 * A prefill tile written `MTxNT/RMxRN` (`64x128/4x8`), for `--webgpu-tile`.
 * @throws UsageError for another form; the backend checks the numbers.
 */
export function parseTile(text: string): TiledShape {
  const m = /^(\d+)x(\d+)\/(\d+)x(\d+)$/.exec(text);
  if (!m) throw new UsageError(`--webgpu-tile must look like 64x128/4x8 (rows x outputs / per-thread rows x outputs), not "${text}"`);
  const [mt, nt, rm, rn] = m.slice(1).map(Number) as [number, number, number, number];
  return { mt, nt, rm, rn };
}
