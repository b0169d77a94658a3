import { LlamitaError, type Backend } from '@llamita/core';
import { jsBackend } from '@llamita/backend-js';
import { wasmBackend } from '@llamita/backend-wasm';
import { UsageError } from './cli-error.js';

/**
 * The backend `--backend` names (default js), created with `--threads` (for
 * wasm the default is every hardware thread; `plainSimd` keeps wasm off its
 * relaxed-SIMD kernels, for comparisons). WebGPU covers only part of the
 * op set so far.
 */
export async function createBackend(name: string | undefined, threads: number | undefined, plainSimd = false): Promise<Backend> {
  switch (name ?? 'js') {
    case 'js':
      if (threads !== undefined && threads !== 1) throw new UsageError('the js backend is single-threaded: --threads must be 1 (use --backend wasm for threads)');
      return jsBackend.create();
    case 'wasm': {
      const probe = await wasmBackend.probe();
      if (!probe.ok) throw new LlamitaError('E_BACKEND_UNAVAILABLE', `the wasm backend cannot run here: ${probe.reason}`);
      return wasmBackend.create({ ...(threads !== undefined && { threads }), ...(plainSimd && { relaxedSimd: false }) });
    }
    case 'webgpu':
      throw new UsageError('the webgpu backend cannot run a whole model yet (it implements part of the op set); use --backend js or wasm');
    default:
      throw new UsageError(`unknown backend "${name}" (available: js, wasm)`);
  }
}
