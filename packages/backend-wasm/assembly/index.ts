// The kernel module's exports (one source, built four times: over an ordinary or a
// shared memory, with plain or relaxed SIMD; see build-kernels.mjs).
export { matmulF32, matmulQ8_0, matmulQ6_K } from './matmul';
export { matmulQ4_0, matmulQ4_K, repackWords4 } from './matmul-q4';
export { setThreadIndex } from './thread';
export { matmulQ4_1, matmulQ5_0, matmulQ5_1, matmulQ5_K, matmulQ2_K, matmulQ3_K, matmulF16, matmulBF16 } from './matmul-more';
export { attentionF16, attentionScratchBytes } from './attention';
export { quantizeQ8_0, quantizeQ8K, roundToHalf } from './quantize';
export { swiglu, add, rmsNorm, rope } from './elementwise';
