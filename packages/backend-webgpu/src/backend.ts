import {
  CONTRACT_VERSION,
  LlamitaError,
  byteSize,
  numel,
  validateOp,
  type Backend,
  type BackendFactory,
  type BackendInfo,
  type BufferHandle,
  type DType,
  type Graph,
  type Op,
  type OpName,
  type Tensor,
} from '@llamita/core';
import { PipelineCache, type KernelName } from './pipelines.js';

/** Uniform slots are 256 bytes apart: WebGPU's minUniformBufferOffsetAlignment upper bound. */
const PARAM_SLOT = 256;
/** Largest workgroup count per dispatch dimension. */
const MAX_GROUPS = 65535;

/** Options of {@link createWebGpuBackendFactory}. */
export interface WebGpuBackendOptions {
  /**
   * The WebGPU entry point. Defaults to `navigator.gpu` (browsers); in Node pass
   * `create([])` from the `webgpu` package (Dawn).
   */
  readonly gpu?: GPU;
  /** Adapter preference, passed to `requestAdapter`. */
  readonly powerPreference?: GPUPowerPreference;
}

/** One queued dispatch: kernel, params words, buffers in binding order, workgroup grid. */
interface Dispatch {
  readonly kernel: KernelName;
  readonly params: Uint32Array;
  readonly buffers: readonly GPUBuffer[];
  readonly groups: readonly [number, number, number];
  /** When the output aliased an input: copy `bytes` from scratch to `dst` after the dispatch. */
  readonly copyBack?: { readonly scratch: GPUBuffer; readonly dst: GPUBuffer; readonly dstOffset: number; readonly bytes: number };
}

const groupsFor = (count: number, z = 1): [number, number, number] => [Math.min(count, MAX_GROUPS), Math.ceil(count / MAX_GROUPS), z];

/**
 * WebGPU backend. A graph becomes one command buffer (one compute pass per run,
 * all dispatches in it); `read` copies back only the tensor asked for.
 *
 * Contract v1 coverage so far: `matmul` with f32 weights and `add`. Everything
 * else answers `false` from {@link WebGpuBackend.supportsOp}.
 */
export class WebGpuBackend implements Backend {
  /** @inheritDoc */
  readonly info: BackendInfo;
  private readonly buffers = new Map<number, GPUBuffer>();
  private readonly pipelines: PipelineCache;
  private nextId = 1;
  private disposed = false;
  private paramsBuffer: GPUBuffer | undefined;

  /** Wraps a device; use {@link createWebGpuBackendFactory} to get one. */
  constructor(private readonly device: GPUDevice, description: string) {
    this.info = { name: 'webgpu', contractVersion: CONTRACT_VERSION, description };
    this.pipelines = new PipelineCache(device);
  }

  supportsOp(op: OpName, weightDType: DType = 'f32'): boolean {
    return (op === 'matmul' && weightDType === 'f32') || op === 'add';
  }

  allocate(byteLength: number, label?: string): BufferHandle {
    this.checkAlive();
    const max = this.device.limits.maxBufferSize;
    if (!Number.isSafeInteger(byteLength) || byteLength < 0 || byteLength > max) {
      throw new LlamitaError('E_INVALID_ARGUMENT', `cannot allocate ${byteLength} bytes${label ? ` for ${label}` : ''} (device limit ${max})`);
    }
    const id = this.nextId++;
    const buffer = this.device.createBuffer({
      label: label ?? `llamita#${id}`,
      size: Math.max(4, (byteLength + 3) & ~3),
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
    this.buffers.set(id, buffer);
    return { backend: 'webgpu', id, byteLength };
  }

  /** Queues a write. Offsets must be 4-byte aligned; a length that is not is zero-padded to the next multiple of 4. */
  write(handle: BufferHandle, byteOffset: number, data: ArrayBufferView): void {
    const buffer = this.gpuBuffer(handle);
    if (byteOffset % 4 !== 0) throw new LlamitaError('E_INVALID_ARGUMENT', `webgpu writes need a 4-byte aligned offset, got ${byteOffset}`);
    if (byteOffset + data.byteLength > handle.byteLength) {
      throw new LlamitaError('E_OUT_OF_BOUNDS', `writing ${data.byteLength} bytes at ${byteOffset} overflows a buffer of ${handle.byteLength}`);
    }
    let bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (bytes.byteLength % 4 !== 0) {
      const padded = new Uint8Array((bytes.byteLength + 3) & ~3);
      padded.set(bytes);
      bytes = padded;
    }
    this.device.queue.writeBuffer(buffer, byteOffset, bytes as Uint8Array<ArrayBuffer>);
  }

  run(graph: Graph): void {
    this.checkAlive();
    for (const op of graph) {
      validateOp(op);
      const weight = op.op === 'matmul' ? op.w.dtype : undefined;
      if (!this.supportsOp(op.op, weight)) {
        throw new LlamitaError('E_UNSUPPORTED_OP', `the webgpu backend does not run ${op.op}${weight ? ` with ${weight} weights` : ''} yet`, { op: op.op });
      }
    }
    const dispatches = graph.map((op) => this.plan(op)).filter((d): d is Dispatch => d !== undefined);
    if (dispatches.length === 0) return;

    const params = this.paramsFor(dispatches);
    const encoder = this.device.createCommandEncoder({ label: 'llamita graph' });
    let pass = encoder.beginComputePass();
    dispatches.forEach((d, i) => {
      const pipeline = this.pipelines.get(d.kernel);
      const entries: GPUBindGroupEntry[] = d.buffers.map((buffer, binding) => ({ binding, resource: { buffer } }));
      entries.push({ binding: d.buffers.length, resource: { buffer: params, offset: i * PARAM_SLOT, size: d.params.byteLength } });
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }));
      pass.dispatchWorkgroups(...d.groups);
      if (d.copyBack) {
        pass.end();
        encoder.copyBufferToBuffer(d.copyBack.scratch, 0, d.copyBack.dst, d.copyBack.dstOffset, d.copyBack.bytes);
        pass = encoder.beginComputePass();
      }
    });
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    for (const d of dispatches) if (d.copyBack) this.device.queue.onSubmittedWorkDone().then(() => d.copyBack?.scratch.destroy(), () => undefined);
  }

  async read(tensor: Tensor): Promise<Uint8Array> {
    const buffer = this.gpuBuffer(tensor.buffer);
    const bytes = byteSize(tensor.dtype, tensor.shape);
    // copyBufferToBuffer needs 4-byte aligned offsets and sizes: widen, then trim.
    const start = tensor.byteOffset & ~3;
    const size = Math.max(4, (tensor.byteOffset + bytes - start + 3) & ~3);
    const staging = this.device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, start, staging, 0, Math.min(size, buffer.size - start));
    this.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const copy = new Uint8Array(staging.getMappedRange()).slice(tensor.byteOffset - start, tensor.byteOffset - start + bytes);
    staging.unmap();
    staging.destroy();
    return copy;
  }

  release(handle: BufferHandle): void {
    this.buffers.get(handle.id)?.destroy();
    this.buffers.delete(handle.id);
  }

  dispose(): void {
    if (this.disposed) return;
    for (const b of this.buffers.values()) b.destroy();
    this.buffers.clear();
    this.paramsBuffer?.destroy();
    this.device.destroy();
    this.disposed = true;
  }

  private checkAlive(): void {
    if (this.disposed) throw new LlamitaError('E_DISPOSED', 'the webgpu backend was disposed');
  }

  private gpuBuffer(handle: BufferHandle): GPUBuffer {
    this.checkAlive();
    const buffer = handle.backend === 'webgpu' ? this.buffers.get(handle.id) : undefined;
    if (!buffer) throw new LlamitaError('E_DISPOSED', `buffer ${handle.backend}#${handle.id} is not a live buffer of this backend`);
    return buffer;
  }

  /** f32 element offset of a tensor (kernels index arrays of f32 words). */
  private static words(t: Tensor): number {
    if (t.byteOffset % 4 !== 0) throw new LlamitaError('E_INVALID_ARGUMENT', `f32 tensor at unaligned byte offset ${t.byteOffset}`);
    return t.byteOffset / 4;
  }

  /** An output buffer that does not alias any input, with the copy back when it had to be swapped. */
  private outputFor(out: Tensor, inputs: readonly Tensor[]): { buffer: GPUBuffer; offset: number; copyBack?: Dispatch['copyBack'] } {
    const dst = this.gpuBuffer(out.buffer);
    if (!inputs.some((t) => t.buffer.id === out.buffer.id)) return { buffer: dst, offset: WebGpuBackend.words(out) };
    const bytes = byteSize(out.dtype, out.shape);
    const scratch = this.device.createBuffer({ size: Math.max(4, bytes), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    return { buffer: scratch, offset: 0, copyBack: { scratch, dst, dstOffset: out.byteOffset, bytes } };
  }

  private plan(op: Op): Dispatch | undefined {
    switch (op.op) {
      case 'matmul': {
        const [m, k] = op.x.shape as [number, number];
        const n = op.w.shape[0]!;
        if (m === 0 || n === 0) return undefined;
        const out = this.outputFor(op.out, [op.x, op.w]);
        const params = Uint32Array.of(m, k, n, WebGpuBackend.words(op.x), WebGpuBackend.words(op.w), out.offset);
        const dispatch: Dispatch = { kernel: 'matmul_f32', params, buffers: [this.gpuBuffer(op.x.buffer), this.gpuBuffer(op.w.buffer), out.buffer], groups: groupsFor(n, m) };
        return out.copyBack ? { ...dispatch, copyBack: out.copyBack } : dispatch;
      }
      case 'add': {
        const count = numel(op.a.shape);
        if (count === 0) return undefined;
        const out = this.outputFor(op.out, [op.a, op.b]);
        const params = Uint32Array.of(count, WebGpuBackend.words(op.a), WebGpuBackend.words(op.b), out.offset);
        const dispatch: Dispatch = { kernel: 'add', params, buffers: [this.gpuBuffer(op.a.buffer), this.gpuBuffer(op.b.buffer), out.buffer], groups: groupsFor(Math.ceil(count / 256)) };
        return out.copyBack ? { ...dispatch, copyBack: out.copyBack } : dispatch;
      }
      default:
        return undefined;
    }
  }

  /** Writes every dispatch's params into 256-byte slots of one reused uniform buffer. */
  private paramsFor(dispatches: readonly Dispatch[]): GPUBuffer {
    const size = dispatches.length * PARAM_SLOT;
    if (!this.paramsBuffer || this.paramsBuffer.size < size) {
      this.paramsBuffer?.destroy();
      this.paramsBuffer = this.device.createBuffer({ label: 'llamita params', size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    }
    const words = new Uint32Array(size / 4);
    dispatches.forEach((d, i) => words.set(d.params, (i * PARAM_SLOT) / 4));
    // Queue-ordered: earlier submissions read their params before this write lands.
    this.device.queue.writeBuffer(this.paramsBuffer, 0, words);
    return this.paramsBuffer;
  }
}

function entryPoint(options: WebGpuBackendOptions): GPU | undefined {
  return options.gpu ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
}

/**
 * A factory for WebGPU backends over `options.gpu` (or `navigator.gpu`).
 * `probe` asks for an adapter and reports why not, never throwing.
 */
export function createWebGpuBackendFactory(options: WebGpuBackendOptions = {}): BackendFactory {
  const adapterFor = async (): Promise<GPUAdapter | null> => {
    const gpu = entryPoint(options);
    if (!gpu) return null;
    return gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : undefined);
  };
  return {
    name: 'webgpu',
    async probe() {
      try {
        if (!entryPoint(options)) return { ok: false, reason: 'no WebGPU here (no navigator.gpu and no gpu option)' };
        const adapter = await adapterFor();
        return adapter ? { ok: true, description: describeAdapter(adapter) } : { ok: false, reason: 'WebGPU gave no adapter' };
      } catch (e) {
        return { ok: false, reason: `WebGPU adapter request failed: ${(e as Error).message}` };
      }
    },
    async create() {
      const adapter = await adapterFor().catch(() => null);
      if (!adapter) throw new LlamitaError('E_BACKEND_UNAVAILABLE', 'no WebGPU adapter is available');
      const { maxBufferSize, maxStorageBufferBindingSize } = adapter.limits;
      const device = await adapter.requestDevice({ requiredLimits: { maxBufferSize, maxStorageBufferBindingSize } });
      return new WebGpuBackend(device, describeAdapter(adapter));
    },
  };
}

function describeAdapter(adapter: GPUAdapter): string {
  const info = adapter.info as GPUAdapterInfo | undefined;
  const name = [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' ');
  return `WebGPU ${name || 'adapter'}`;
}
