import type { DType } from './dtype.js';
import type { Graph, OpName } from './ops.js';
import type { BufferHandle, Tensor } from './tensor.js';

/** What a backend says about itself once created. */
export interface BackendInfo {
  /** Backend name, e.g. `js`, `wasm`, `webgpu`. */
  readonly name: string;
  /** Contract version it implements. */
  readonly contractVersion: number;
  /** Free-form facts for people: device, threads, features. */
  readonly description: string;
  /**
   * Most bytes all of this backend's buffers can take together, when it has a
   * fixed limit (wasm32 addresses 4 GiB). Loaders check a model against it
   * before uploading anything. Absent: no fixed limit known.
   */
  readonly memoryLimitBytes?: number;
}

/**
 * A compute backend: owns buffers and runs graphs of ops.
 *
 * Work is queued: {@link Backend.write} and {@link Backend.run} return at once
 * (a synchronous backend may also finish the work before returning), and only
 * {@link Backend.read} awaits. On WebGPU a graph becomes one command buffer; on
 * a worker-pool backend, one message; on the JS backend, a loop.
 */
export interface Backend {
  /** Static facts about this instance. */
  readonly info: BackendInfo;
  /**
   * Whether this backend runs `op`; for `matmul` and `embedding`, with weights
   * of `weightDType` (default f32). Graphs with unsupported ops throw `E_UNSUPPORTED_OP`.
   */
  supportsOp(op: OpName, weightDType?: DType): boolean;
  /** A new zero-filled buffer of `byteLength` bytes. `label` shows in errors and debuggers. */
  allocate(byteLength: number, label?: string): BufferHandle;
  /** Queues a copy of `data` into `buffer` at `byteOffset`. `data` may be reused once this returns. */
  write(buffer: BufferHandle, byteOffset: number, data: ArrayBufferView): void;
  /** Queues a whole graph. Shapes are checked before anything runs. */
  run(graph: Graph): void;
  /** Waits for queued work, then returns a copy of the tensor's bytes. */
  read(tensor: Tensor): Promise<Uint8Array>;
  /** Frees a buffer; tensors over it become invalid. */
  release(buffer: BufferHandle): void;
  /** Frees everything. Later calls throw `E_DISPOSED`. */
  dispose(): void;
}

/** The answer of {@link BackendFactory.probe}. */
export type ProbeResult = ProbeOk | ProbeRefusal;

/** The backend can run here. */
export interface ProbeOk {
  /** Always true. */
  readonly ok: true;
  /** What it will run on, for people. */
  readonly description: string;
}

/** The backend cannot run here. */
export interface ProbeRefusal {
  /** Always false. */
  readonly ok: false;
  /** Why not, for people. */
  readonly reason: string;
}

/** Creates backends of one kind. Pass factories as values; importing one has no side effect. */
export interface BackendFactory<Options = unknown> {
  /** Backend name, e.g. `js`. */
  readonly name: string;
  /** Whether this backend can run here, and why not. Never throws. */
  probe(): Promise<ProbeResult>;
  /**
   * A new backend instance.
   * @throws {@link LlamitaError} `E_BACKEND_UNAVAILABLE` when the platform lacks what it needs.
   */
  create(options?: Options): Promise<Backend>;
}
