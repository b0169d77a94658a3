/**
 * The WebAssembly SIMD128 backend: all buffers in one wasm memory, split
 * across a pool of worker threads; SIMD kernels (AssemblyScript, built with
 * the package, relaxed SIMD where the runtime has it) for the matmuls of every
 * common GGUF weight type (Q2_K to Q6_K included), attention, norms, RoPE and SwiGLU; the reference
 * kernels for the rest, over the same memory. Also runtime feature detection
 * (SIMD, relaxed SIMD, shared-memory threads).
 *
 * ```ts
 * import { WasmBackend } from '@llamita/backend-wasm';
 * const backend = await WasmBackend.create({ threads: 4 });
 * backend.info.description; // "WebAssembly SIMD128 (relaxed SIMD; 4 threads)"
 * ```
 * @packageDocumentation
 */
export { detectWasmFeatures, type WasmFeatures } from './features.js';
export { WasmBackend, wasmBackend, type WasmBackendOptions } from './backend.js';
