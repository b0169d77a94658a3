import { kernelLabel, kernelSource, type KernelId } from './kernels.js';

/** Pipeline-overridable constants (WGSL `override`), e.g. the workgroup size. */
export type Overrides = Readonly<Record<string, number>>;

/** The one cache key of a pipeline: kernel label plus its override constants, in a stable order. */
export function pipelineKey(kernel: KernelId, overrides: Overrides = {}): string {
  const parts = Object.keys(overrides)
    .sort()
    .map((k) => `${k}=${overrides[k]}`);
  return [kernelLabel(kernel), ...parts].join('|');
}

/** Compiles each (kernel, overrides) pair once per device. */
export class PipelineCache {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  constructor(private readonly device: GPUDevice) {}

  /** The keys ({@link pipelineKey}) of the pipelines compiled so far, in the order they were. */
  keys(): string[] {
    return [...this.pipelines.keys()];
  }

  /** The compute pipeline for `kernel` with `overrides`, compiled on first use. */
  get(kernel: KernelId, overrides: Overrides = {}): GPUComputePipeline {
    const key = pipelineKey(kernel, overrides);
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      const module = this.device.createShaderModule({ label: kernelLabel(kernel), code: kernelSource(kernel) });
      pipeline = this.device.createComputePipeline({
        label: key,
        layout: 'auto',
        compute: { module, entryPoint: 'main', constants: { ...overrides } },
      });
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }
}
