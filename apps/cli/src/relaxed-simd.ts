import { setFlagsFromString } from 'node:v8';
import { detectWasmFeatures } from '@llamita/backend-wasm';

/**
 * Node 20's V8 (11.3) has WebAssembly relaxed SIMD behind a flag; from V8
 * 11.4 (Node 22, Chromium 114) it is on by default. The CLI turns it on before
 * any module compiles, so the wasm backend can pick its relaxed-SIMD kernels.
 * Setting a V8 flag at run time is allowed for feature flags read at compile
 * time, which this one is (checked: validation of a relaxed module flips to true).
 */
export function enableRelaxedSimd(): void {
  if (!detectWasmFeatures().relaxedSimd) setFlagsFromString('--experimental-wasm-relaxed-simd');
}
