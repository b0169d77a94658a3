import {
  CONTRACT_VERSION,
  LlamitaError,
  byteSize,
  checkGraph,
  tensorBytes,
  type Backend,
  type BackendFactory,
  type BackendInfo,
  type BufferHandle,
  type BufferSpec,
  type Graph,
  type Op,
  type PreparedGraph,
  type Support,
  type Tensor,
} from '@llamita/core';
import { PipelineCache } from './pipelines.js';
import { fuseGraph } from './fuse.js';
import {
  ATTENTION_BLOCKED_BYTES,
  checkDecodeShape,
  checkTiledShape,
  matmulGroupFits,
  matmulNormFits,
  matmulSwigluFits,
  planOp,
  ropeAttentionFits,
  scratchBytes,
  tiledShapeFor,
  type DecodeShape,
  type Dispatch,
  type PlanOptions,
  type TensorBinding,
  type TiledShape,
} from './plan.js';
import { supportsOp } from './support.js';
import { encodeDispatch, KernelProfiler, type TimedDispatch } from './timestamps.js';

/** Uniform slots are 256 bytes apart: WebGPU's minUniformBufferOffsetAlignment upper bound. */
const PARAM_SLOT = 256;

/** Options of {@link createWebGpuBackendFactory}. */
export interface WebGpuBackendOptions {
  /**
   * The WebGPU entry point, or a loader of one (called once, on the first
   * probe or create). Defaults to `navigator.gpu` (browsers); in Node pass
   * `dawnGpu` from `@llamita/backend-webgpu/node` (the `webgpu` package).
   */
  readonly gpu?: GPU | (() => Promise<GPU | undefined>);
  /** Adapter preference, passed to `requestAdapter`. */
  readonly powerPreference?: GPUPowerPreference;
  /**
   * Accept a software adapter (SwiftShader, llvmpipe: `isFallbackAdapter`).
   * Default false: such an adapter is slower than the wasm backend, so an
   * automatic choice should pass it by; tests and explicit requests accept it.
   */
  readonly allowSoftwareAdapter?: boolean;
  /**
   * Ask for the `timestamp-query` feature and time every dispatch on the GPU
   * ({@link WebGpuBackend.profiler}); each dispatch then runs in a pass of
   * its own, a little slower. Ignored where the adapter lacks the feature.
   */
  readonly timestamps?: boolean;
  /**
   * Split attention over the cache when decoding (up to 8 query tokens): a
   * workgroup per 64 cached keys and a second dispatch to merge them, so a
   * large GPU is busy even with few heads. Default: on for a hardware
   * adapter, off for a software one, where each workgroup costs milliseconds
   * and one per head is faster.
   */
  readonly splitAttention?: boolean;
  /**
   * The prefill matmul's tile, for tuning on a given GPU (`llamita bench
   * --webgpu-tile`). Default: the largest of 64 × 128, 64 × 64 and 32 × 64
   * that the device's workgroup memory holds ({@link tiledShapeFor}); at most
   * 64 × 64 for unquantized weights and the integer dot.
   */
  readonly prefillTile?: TiledShape;
  /**
   * The decode matmul's workgroup (threads per output, outputs, weight blocks
   * loaded at once), for tuning on a given GPU (`llamita bench
   * --webgpu-decode`). Default: chosen per matmul from its shape.
   */
  readonly decodeShape?: DecodeShape;
  /**
   * Dot Q4_0, Q5_0 and Q8_0 weights with the Q8_0 activations in integers
   * (`dot4I8Packed`), as llama.cpp does, where WGSL has
   * `packed_4x8_integer_dot_product`. Default true; false keeps the float
   * path (each weight decoded to f32), for comparison.
   */
  readonly integerDot?: boolean;
  /**
   * With the integer dot, quantize a decode matmul's x once, in a dispatch of
   * its own, for all its workgroups to read (`PlanOptions.preparedX`), instead
   * of each workgroup staging and quantizing x itself. Default false: on the
   * lent H100 the extra dispatch a matmul cost more than the staging it saves
   * (Q4_0 decode 281 against 365 tok/s; BENCHMARKS.md). For experiments on other GPUs.
   */
  readonly preparedX?: boolean;
  /**
   * The largest byte range the planner binds at once (default and at most:
   * the adapter's `maxStorageBufferBindingSize`, which the device requests):
   * a matmul weight or an embedding table larger than this runs as one
   * dispatch per range of its rows, never refused for its size. Lower it to
   * try what a device with a smaller limit (WebGPU's default is 128 MiB) does.
   */
  readonly maxStorageBufferBindingSize?: number;
  /**
   * Use subgroup operations where the adapter has the `subgroups` feature
   * and WGSL the `subgroup_id` builtin: a decode matmul then sums each
   * output's threads by shuffles instead of through workgroup memory.
   * Default true; false keeps the path without them, for comparison.
   */
  readonly subgroups?: boolean;
}

/**
 * WebGPU backend. A graph becomes one command buffer (one compute pass per run,
 * all dispatches in it); `read` copies back only the tensor asked for.
 *
 * A prepared graph keeps its pipelines, one uniform buffer of params and its
 * bind groups; each run records its dispatches into one compute pass. GPU
 * errors of a run (validation, out of memory) and a lost device are thrown by
 * the next {@link WebGpuBackend.read}.
 *
 * Every op of the contract has a WGSL kernel (`src/shaders/`), for every weight
 * dtype, read from its GGUF blocks; an f16 KV cache is stored as packed u32
 * words, so no `shader-f16` is needed. {@link WebGpuBackend.supports} refuses
 * what the kernels cannot do (a top-k over 64, a head dimension over 256, a
 * tensor larger than the device's storage binding limit), saying why.
 */
export class WebGpuBackend implements Backend {
  /** @inheritDoc */
  readonly info: BackendInfo;
  private readonly buffers = new Map<number, GPUBuffer>();
  private readonly pipelines: PipelineCache;
  private nextId = 1;
  private disposed = false;
  private gpuBuffersLive = 0;
  private gpuBytesLive = 0;
  /** Errors of submitted work not yet reported: the next read throws the first. */
  private pendingErrors: Promise<GPUError | null>[] = [];
  private lost: GPUDeviceLostInfo | undefined;

  /** GPU time per op, when the backend was made with `timestamps` on an adapter that has them. */
  readonly profiler: KernelProfiler | undefined;

  /**
   * Wraps a device; use {@link createWebGpuBackendFactory} to get one.
   * `owners` (the GPU and adapter the device came from) are held for the
   * backend's life: Dawn in Node tears its instance down when the `GPU`
   * object is garbage collected, taking live devices with it. `planOptions`
   * shape the dispatches for the device (see {@link WebGpuBackendOptions.splitAttention}).
   */
  constructor(
    private readonly device: GPUDevice,
    description: string,
    private readonly owners: readonly object[] = [],
    private readonly planOptions: PlanOptions = { splitAttention: true, tile: tiledShapeFor(device.limits.maxComputeWorkgroupStorageSize) },
  ) {
    this.profiler = device.features.has('timestamp-query') ? new KernelProfiler(device) : undefined;
    this.info = { name: 'webgpu', contractVersion: CONTRACT_VERSION, description, numerics: { id: 'f32-workgroup', logProbTolerance: 1e-2 } };
    this.pipelines = new PipelineCache(device);
    void device.lost.then((info) => {
      this.lost = info;
    });
  }

  /**
   * The kernels compiled so far, as pipeline keys (`pipelineKey`: `matmul:q4_0+norm+int|ROWS=16|...`):
   * which WGSL variants this device runs, for diagnostics and tests.
   */
  get compiledKernels(): readonly string[] {
    return this.pipelines.keys();
  }

  supports(op: Op): Support {
    return supportsOp(op, { maxStorageBufferBindingSize: this.maxBindingBytes });
  }

  /** The largest range one storage binding covers here: the device's limit, or the planner's smaller one. */
  private get maxBindingBytes(): number {
    return Math.min(this.device.limits.maxStorageBufferBindingSize, this.planOptions.maxBindingBytes ?? Infinity);
  }

  allocate(spec: BufferSpec): BufferHandle {
    this.checkAlive();
    const { byteLength, label } = spec;
    const max = this.device.limits.maxBufferSize;
    if (!Number.isSafeInteger(byteLength) || byteLength < 0 || byteLength > max) {
      throw new LlamitaError('E_INVALID_ARGUMENT', `cannot allocate ${byteLength} bytes${label ? ` for ${label}` : ''} (device limit ${max})`);
    }
    const id = this.nextId++;
    const buffer = this.createGpuBuffer({
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

  /** Plans the dispatches once: their params in one uniform buffer, pipelines and bind groups made here. */
  prepare(graph: Graph): PreparedGraph {
    this.checkAlive();
    checkGraph(this, graph);
    const bind = (t: Tensor, unit: 1 | 2 | 4) => this.bind(t, unit);
    const rules = {
      normFits: matmulNormFits,
      swigluFits: matmulSwigluFits,
      groupFits: (matmuls: Parameters<typeof matmulGroupFits>[0]) => matmulGroupFits(matmuls, this.device.limits.maxStorageBuffersPerShaderStage, this.maxBindingBytes),
      ropeAttentionFits: (attention: Parameters<typeof ropeAttentionFits>[0]) => ropeAttentionFits(attention, this.planOptions, this.device.limits.maxStorageBuffersPerShaderStage),
    };
    const planned = fuseGraph(graph, rules);
    // one scratch buffer for the graph's intermediates: its ops run in order
    const scratchSize = Math.max(0, ...planned.map((op) => scratchBytes(op, this.planOptions)));
    const scratch = scratchSize > 0 ? this.createGpuBuffer({ label: 'llamita scratch', size: scratchSize, usage: GPUBufferUsage.STORAGE }) : undefined;
    const options = { ...this.planOptions, maxBindingBytes: this.maxBindingBytes };
    const dispatches = planned.flatMap((op) => planOp(op, bind, options, scratch));
    const params = dispatches.length ? this.paramsFor(dispatches) : undefined;
    const recorded: TimedDispatch[] = dispatches.map((d, i) => {
      const pipeline = this.pipelines.get(d.kernel, d.overrides);
      const entries: GPUBindGroupEntry[] = [...d.bindings];
      entries.push({ binding: d.paramsBinding, resource: { buffer: params!, offset: i * PARAM_SLOT, size: (d.params.byteLength + 15) & ~15 } });
      return { pipeline, bindGroup: this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }), groups: d.groups, key: d.key };
    });
    let disposed = false;
    return {
      length: graph.length,
      run: () => {
        this.checkAlive();
        if (disposed) throw new LlamitaError('E_DISPOSED', 'this prepared graph was disposed');
        if (recorded.length) this.submit(recorded);
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        if (params) this.destroyGpuBuffer(params);
        if (scratch) this.destroyGpuBuffer(scratch);
      },
    };
  }

  run(graph: Graph): void {
    const prepared = this.prepare(graph);
    prepared.run();
    // the params buffer is freed once the queue has read it
    this.device.queue.onSubmittedWorkDone().then(
      () => prepared.dispose(),
      () => undefined,
    );
  }

  /** Records the dispatches into one compute pass and submits it, catching its GPU errors for the next read. */
  private submit(recorded: readonly TimedDispatch[]): void {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    const encoder = this.device.createCommandEncoder({ label: 'llamita graph' });
    const submitted = this.profiler?.record(encoder, recorded);
    if (!submitted) {
      const pass = encoder.beginComputePass();
      for (const d of recorded) encodeDispatch(pass, d);
      pass.end();
    }
    this.device.queue.submit([encoder.finish()]);
    submitted?.();
    this.pendingErrors.push(this.device.popErrorScope(), this.device.popErrorScope());
  }

  /** Throws the first error of work submitted since the last read (or the device's loss), with a code. */
  private async throwPendingErrors(): Promise<void> {
    const pending = this.pendingErrors;
    this.pendingErrors = [];
    const errors = await Promise.all(pending.map((p) => p.catch((e: unknown) => ({ message: String(e) }) as GPUError)));
    if (this.lost) throw new LlamitaError('E_BACKEND_UNAVAILABLE', `the WebGPU device was lost (${this.lost.reason}): ${this.lost.message}`, { reason: this.lost.reason });
    const error = errors.find((e) => e !== null);
    if (!error) return;
    const outOfMemory = typeof GPUOutOfMemoryError !== 'undefined' && error instanceof GPUOutOfMemoryError;
    throw new LlamitaError(outOfMemory ? 'E_OUT_OF_MEMORY' : 'E_INVALID_ARGUMENT', `WebGPU rejected queued work: ${error.message}`);
  }

  /** The copy is queued at the call, so work queued after it does not change what the read returns. */
  async read(tensor: Tensor): Promise<Uint8Array> {
    const buffer = this.gpuBuffer(tensor.buffer);
    const bytes = byteSize(tensor.dtype, tensor.shape);
    // copyBufferToBuffer needs 4-byte aligned offsets and sizes: widen, then trim.
    const start = tensor.byteOffset & ~3;
    const size = Math.max(4, (tensor.byteOffset + bytes - start + 3) & ~3);
    const staging = this.createGpuBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, start, staging, 0, Math.min(size, buffer.size - start));
    this.device.queue.submit([encoder.finish()]);
    const mapped = staging.mapAsync(GPUMapMode.READ);
    try {
      await this.throwPendingErrors();
    } catch (e) {
      await mapped.catch(() => undefined);
      this.destroyGpuBuffer(staging);
      throw e;
    }
    try {
      await mapped;
    } catch (e) {
      this.destroyGpuBuffer(staging);
      // a device destroyed or lost while the copy was queued aborts the mapping before `lost` is known
      await Promise.race([this.device.lost, new Promise((resolve) => setTimeout(resolve, 100))]);
      throw new LlamitaError('E_BACKEND_UNAVAILABLE', `the WebGPU device was lost${this.lost ? ` (${this.lost.reason}): ${this.lost.message}` : ''}: reading back failed (${(e as Error).name})`, {
        reason: this.lost?.reason ?? 'unknown',
      });
    }
    const copy = new Uint8Array(staging.getMappedRange()).slice(tensor.byteOffset - start, tensor.byteOffset - start + bytes);
    staging.unmap();
    this.destroyGpuBuffer(staging);
    return copy;
  }

  release(handle: BufferHandle): void {
    const buffer = this.buffers.get(handle.id);
    if (buffer) this.destroyGpuBuffer(buffer);
    this.buffers.delete(handle.id);
  }

  dispose(): void {
    if (this.disposed) return;
    for (const b of this.buffers.values()) this.destroyGpuBuffer(b);
    this.buffers.clear();
    this.device.destroy();
    this.disposed = true;
  }

  /** GPU buffers this backend holds now: tensors' buffers, prepared graphs' params and scratch, reads in flight. */
  get liveBuffers(): number {
    return this.gpuBuffersLive;
  }

  /** Bytes of the {@link WebGpuBackend.liveBuffers}. */
  get liveBytes(): number {
    return this.gpuBytesLive;
  }

  /** Every GPU buffer of the backend is made here and freed in {@link destroyGpuBuffer}, so the live counts are exact. */
  private createGpuBuffer(descriptor: GPUBufferDescriptor): GPUBuffer {
    const buffer = this.device.createBuffer(descriptor);
    this.gpuBuffersLive++;
    this.gpuBytesLive += buffer.size;
    return buffer;
  }

  private destroyGpuBuffer(buffer: GPUBuffer): void {
    buffer.destroy();
    this.gpuBuffersLive--;
    this.gpuBytesLive -= buffer.size;
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

  /**
   * A tensor's bytes as a binding: the range starts at the tensor's offset
   * rounded down to the device's storage offset alignment, and the kernel is
   * told where in it the tensor begins (in its array's elements).
   */
  private bind(t: Tensor, unit: 1 | 2 | 4): TensorBinding {
    const buffer = this.gpuBuffer(t.buffer);
    const start = t.byteOffset - (t.byteOffset % this.device.limits.minStorageBufferOffsetAlignment);
    if ((t.byteOffset - start) % unit !== 0) {
      throw new LlamitaError('E_INVALID_ARGUMENT', `a ${t.dtype} tensor at byte ${t.byteOffset} is not aligned to the ${unit}-byte elements its WGSL kernel reads`);
    }
    // whole words, and one more where the buffer has it: unaligned block fields read a word past their last byte
    const end = Math.min(buffer.size, ((t.byteOffset + tensorBytes(t) + 3) & ~3) + 4);
    return { resource: { buffer, offset: start, size: Math.max(4, end - start) }, offset: (t.byteOffset - start) / unit };
  }

  /** A uniform buffer with every dispatch's params in 256-byte slots, written once. */
  private paramsFor(dispatches: readonly Dispatch[]): GPUBuffer {
    const size = dispatches.length * PARAM_SLOT;
    const buffer = this.createGpuBuffer({ label: 'llamita params', size, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const words = new Uint32Array(size / 4);
    dispatches.forEach((d, i) => words.set(d.params, (i * PARAM_SLOT) / 4));
    this.device.queue.writeBuffer(buffer, 0, words);
    return buffer;
  }
}

/**
 * A factory for WebGPU backends over `options.gpu` (or `navigator.gpu`).
 * `probe` asks for an adapter and says why not (no WebGPU, no adapter, a
 * software adapter not accepted), never throwing. `create` asks for the
 * adapter's own buffer limits (the default 128 MiB binding is smaller than
 * TinyLlama's embedding table).
 */
export function createWebGpuBackendFactory(options: WebGpuBackendOptions = {}): BackendFactory {
  let entry: Promise<GPU | undefined> | undefined;
  const entryPoint = (): Promise<GPU | undefined> => {
    const given = options.gpu;
    entry ??= typeof given === 'function' ? given() : Promise.resolve(given ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu);
    return entry;
  };
  /** The adapter, or why there is none to use. */
  const adapterFor = async (): Promise<GPUAdapter | string> => {
    const gpu = await entryPoint().catch(() => undefined);
    if (!gpu) return 'no WebGPU here (no navigator.gpu and no gpu option)';
    const adapter = await gpu.requestAdapter(options.powerPreference ? { powerPreference: options.powerPreference } : undefined);
    if (!adapter) return 'WebGPU gave no adapter';
    if (isSoftware(adapter) && !options.allowSoftwareAdapter)
      return `${describeAdapter(adapter)} is a software adapter, slower than the CPU backends (ask for webgpu by name, or pass allowSoftwareAdapter, to use it)`;
    return adapter;
  };
  return {
    name: 'webgpu',
    async probe() {
      try {
        const adapter = await adapterFor();
        return typeof adapter === 'string' ? { ok: false, reason: adapter } : { ok: true, description: describeAdapter(adapter) };
      } catch (e) {
        return { ok: false, reason: `WebGPU adapter request failed: ${(e as Error).message}` };
      }
    },
    async create() {
      const adapter = await adapterFor().catch((e: Error) => `WebGPU adapter request failed: ${e.message}`);
      if (typeof adapter === 'string') throw new LlamitaError('E_BACKEND_UNAVAILABLE', adapter);
      // the adapter's own limits where the kernels use more than the defaults: buffer sizes, a grouped
      // matmul's storage bindings (up to 9), the prefill tile's workgroup memory
      const { maxBufferSize, maxStorageBufferBindingSize, maxStorageBuffersPerShaderStage, maxComputeWorkgroupStorageSize } = adapter.limits;
      const gpu = (await entryPoint())!;
      const wgsl = gpu.wgslLanguageFeatures;
      const subgroups = (options.subgroups ?? true) && adapter.features.has('subgroups') && (wgsl?.has('subgroup_id') ?? false);
      const requiredFeatures: GPUFeatureName[] = [
        ...(options.timestamps && adapter.features.has('timestamp-query') ? (['timestamp-query'] as const) : []),
        ...(subgroups ? (['subgroups'] as const) : []),
      ];
      const requiredLimits = { maxBufferSize, maxStorageBufferBindingSize, maxStorageBuffersPerShaderStage, maxComputeWorkgroupStorageSize };
      const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
      const splitAttention = options.splitAttention ?? !isSoftware(adapter);
      const workgroupMemory = device.limits.maxComputeWorkgroupStorageSize;
      let tile: TiledShape;
      let narrowTile: TiledShape;
      let decode: DecodeShape | undefined;
      try {
        tile = options.prefillTile ? checkTiledShape(options.prefillTile, workgroupMemory) : tiledShapeFor(workgroupMemory);
        narrowTile = options.prefillTile ? tile : tiledShapeFor(workgroupMemory, true);
        decode = options.decodeShape && checkDecodeShape(options.decodeShape);
        const cap = options.maxStorageBufferBindingSize;
        if (cap !== undefined && !(Number.isSafeInteger(cap) && cap >= 4096)) {
          throw new LlamitaError('E_INVALID_ARGUMENT', `maxStorageBufferBindingSize must be an integer of at least 4096 bytes (got ${cap})`);
        }
      } catch (e) {
        device.destroy();
        throw e;
      }
      // a WGSL without the packed integer dot cannot compile lib/int-dot.wgsl: the float path then
      const intDot = (options.integerDot ?? true) && (wgsl?.has('packed_4x8_integer_dot_product') ?? false);
      // browsers without these adapter-info fields leave the subgroup path off
      const { subgroupMinSize = 0, subgroupMaxSize = 0 } = adapter.info;
      const sizes = subgroups && subgroupMinSize > 0 && subgroupMaxSize > 0 ? { subgroups: { minSize: subgroupMinSize, maxSize: subgroupMaxSize } } : {};
      return new WebGpuBackend(device, describeAdapter(adapter), [gpu, adapter], {
        splitAttention,
        blockedAttention: workgroupMemory >= ATTENTION_BLOCKED_BYTES,
        tile,
        narrowTile,
        intDot,
        preparedX: options.preparedX ?? false,
        ...(options.maxStorageBufferBindingSize !== undefined && { maxBindingBytes: options.maxStorageBufferBindingSize }),
        ...(decode && { decode }),
        ...sizes,
      });
    },
  };
}

function isSoftware(adapter: GPUAdapter): boolean {
  const info = adapter.info as (GPUAdapterInfo & { isFallbackAdapter?: boolean }) | undefined;
  return info?.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe/i.test(describeAdapter(adapter));
}

function describeAdapter(adapter: GPUAdapter): string {
  const info = adapter.info as GPUAdapterInfo | undefined;
  const name = [info?.vendor, info?.architecture, info?.device, info?.description].filter(Boolean).join(' ');
  return `WebGPU ${name || 'adapter'}`;
}
