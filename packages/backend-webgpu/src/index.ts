/**
 * The WebGPU backend: WGSL kernels for every op of the contract and every
 * weight dtype, a pipeline cache, one command buffer per graph. Pass it a
 * `GPU` (browsers: `navigator.gpu`; Node: the `webgpu` package's `create([])`).
 * @packageDocumentation
 */
export { WebGpuBackend, createWebGpuBackendFactory, type WebGpuBackendOptions } from './backend.js';
export { kernelLabel, kernelSource, type KernelId, type WgslWeightType } from './kernels.js';
export { pipelineKey, type Overrides } from './pipelines.js';
export { checkDecodeShape, checkTiledShape, tiledShapeFor, weightPieces, type DecodeShape, type PlanOptions, type TiledShape, type WeightPiece } from './plan.js';
export { MAX_HEAD_DIM, MAX_SAMPLE_TOP_K } from './support.js';
export { KernelProfiler, type TimedDispatch } from './timestamps.js';
