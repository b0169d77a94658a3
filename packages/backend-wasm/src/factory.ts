import { LlamitaError, type BackendFactory } from '@llamita/core';
import { detectWasmFeatures } from './features.js';

/**
 * The WebAssembly SIMD backend's factory. Its kernels are not written yet, so
 * `probe` reports the runtime's features and says it cannot run, and
 * `create` throws `E_BACKEND_UNAVAILABLE`: callers fall back to another backend.
 */
export const wasmBackend: BackendFactory = {
  name: 'wasm',
  async probe() {
    const f = detectWasmFeatures();
    if (!f.simd) return { ok: false, reason: 'this runtime has no WebAssembly SIMD128' };
    return { ok: false, reason: `kernels not built yet (runtime has simd${f.relaxedSimd ? ', relaxed simd' : ''}${f.threads ? ', threads' : ''})` };
  },
  async create() {
    throw new LlamitaError('E_BACKEND_UNAVAILABLE', 'the wasm backend has no kernels yet; use the js backend');
  },
};
