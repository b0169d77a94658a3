/**
 * The rounding layer: llama.cpp's x86 CPU arithmetic, step by step (ADR 0006),
 * shared by the js and wasm backends (`LLAMA_CPP_X86_NUMERICS`). An op is
 * defined by its math (the float64 references in @llamita/testkit are the
 * executable spec); this layer says where llama.cpp rounds that math to f32
 * and f16, and in what order it sums, so results match llama.cpp's to the last bit:
 *
 * - `ggml-float.ts`: f32 rounding, ggml's vector exp, its lane sums (`hsum8`, `reduceAdd16`), f16 tables;
 * - `flash-attention.ts`: llama.cpp's two flash-attention kernels (one KV row at a time with an f16
 *   accumulator below 64 query rows, the tiled f32 kernel from 64);
 * - `kquant-dot.ts`: the Q4_K/Q5_K/Q6_K dots on their integers, as llama.cpp's kernels take them.
 *
 * The reference kernels (`../kernels.ts`) call these for RMSNorm, RoPE, SwiGLU and the matmul orders.
 */
export { f32, fmaF32, expF32, ggmlVectorExp, hsum8, reduceAdd16, toF16, F16_VALUES } from './ggml-float.js';
export { attentionF16Cache, checkPosition } from './flash-attention.js';
export { matmulKQuant } from './kquant-dot.js';
