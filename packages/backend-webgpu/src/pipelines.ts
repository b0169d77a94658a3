import addSource from './shaders/add.wgsl';
import matmulF32Source from './shaders/matmul_f32.wgsl';

/** A WGSL kernel: its source and how many bindings it declares. */
export interface Kernel {
  /** WGSL source text. */
  readonly source: string;
  /** Bindings in group 0 (storage buffers, then the params uniform). */
  readonly bindings: number;
}

/** Name of a kernel in {@link KERNELS}. */
export type KernelName = 'matmul_f32' | 'add';

/** The kernels this backend has: one WGSL file each. */
export const KERNELS: Readonly<Record<KernelName, Kernel>> = {
  matmul_f32: { source: matmulF32Source, bindings: 4 },
  add: { source: addSource, bindings: 4 },
};

/** Pipeline-overridable constants (WGSL `override`), e.g. the workgroup size. */
export type Overrides = Readonly<Record<string, number>>;

/** The one cache key of a pipeline: kernel name plus its override constants, in a stable order. */
export function pipelineKey(kernel: KernelName, overrides: Overrides = {}): string {
  const parts = Object.keys(overrides)
    .sort()
    .map((k) => `${k}=${overrides[k]}`);
  return [kernel, ...parts].join('|');
}

/** Compiles each (kernel, overrides) pair once per device. */
export class PipelineCache {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  constructor(private readonly device: GPUDevice) {}

  /** The compute pipeline for `kernel` with `overrides`, compiled on first use. */
  get(kernel: KernelName, overrides: Overrides = {}): GPUComputePipeline {
    const key = pipelineKey(kernel, overrides);
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      const module = this.device.createShaderModule({ label: kernel, code: KERNELS[kernel].source });
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
