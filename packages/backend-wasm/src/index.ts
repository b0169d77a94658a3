/**
 * The WebAssembly SIMD128 backend. So far: runtime feature detection (SIMD,
 * relaxed SIMD, shared-memory threads) and a factory whose probe reports it.
 * @packageDocumentation
 */
export { detectWasmFeatures, type WasmFeatures } from './features.js';
export { wasmBackend } from './factory.js';
