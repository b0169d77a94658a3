/**
 * The WebAssembly SIMD128 backend: all buffers in one wasm memory; matmuls
 * with f32, Q8_0 and Q4_0 weights as SIMD kernels (AssemblyScript, built with
 * the package); other ops on the reference kernels over the same memory.
 * Also runtime feature detection (SIMD, relaxed SIMD, shared-memory threads).
 * @packageDocumentation
 */
export { detectWasmFeatures, type WasmFeatures } from './features.js';
export { WasmBackend, wasmBackend } from './backend.js';
