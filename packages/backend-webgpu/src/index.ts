/**
 * The WebGPU backend: WGSL kernels, a pipeline cache, one command buffer per graph.
 * Pass it a `GPU` (browsers: `navigator.gpu`; Node: the `webgpu` package's `create([])`).
 * @packageDocumentation
 */
export { WebGpuBackend, createWebGpuBackendFactory, type WebGpuBackendOptions } from './backend.js';
export { pipelineKey, KERNELS, type Kernel, type KernelName, type Overrides } from './pipelines.js';
