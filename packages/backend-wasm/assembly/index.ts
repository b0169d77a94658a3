// The kernel module's exports (one module, built twice: over an ordinary and a shared memory).
export { matmulF32, matmulQ8_0, matmulQ4_0, matmulQ4_K, matmulQ6_K, repackQ4_0, repackRows4 } from './matmul';
export { attentionF16, attentionScratchBytes } from './attention';
export { quantizeQ8_0, quantizeQ8K } from './quantize';
export { swiglu, add, rmsNorm } from './elementwise';
