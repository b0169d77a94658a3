import type { DType } from './dtype.js';
import type { Graph, Op } from './ops.js';
import type { BufferHandle, Tensor } from './tensor.js';

/**
 * How a backend rounds: which reference its results follow, and how far a
 * teacher-forced log-probability may sit from llama.cpp's because of it.
 * Parity tests take their tolerance from here, not from a table per model.
 */
export interface BackendNumerics {
  /**
   * `llama.cpp-x86`: rounds where llama.cpp's x86 CPU kernels round (its
   * summation orders, f16 flash attention, vector exp); `f32-reference`: plain
   * f32 arithmetic in program order; `f32-workgroup`: f32 reductions in
   * workgroup order (GPU).
   */
  readonly id: 'llama.cpp-x86' | 'f32-reference' | 'f32-workgroup';
  /** Largest difference from llama.cpp's log-probabilities this rounding allows on the parity models. */
  readonly logProbTolerance: number;
}

/** What a backend says about itself once created. */
export interface BackendInfo {
  /** Backend name, e.g. `js`, `wasm`, `webgpu`. */
  readonly name: string;
  /** Contract version it implements. */
  readonly contractVersion: number;
  /** Free-form facts for people: device, threads, features. */
  readonly description: string;
  /** How it rounds. */
  readonly numerics: BackendNumerics;
  /**
   * Most bytes all of this backend's buffers can take together, when it has a
   * fixed limit (wasm32 addresses 4 GiB). Loaders check a model against it
   * before uploading anything. Absent: no fixed limit known.
   */
  readonly memoryLimitBytes?: number;
}

/**
 * What a buffer is for, said when it is made so the backend can choose its
 * layout then: weights may be stored in a kernel's own layout (the wasm
 * backend interleaves Q4_0/Q4_K rows as they are written), the KV cache and
 * activations are read and written by graphs, `io` buffers mostly by the host.
 */
export type BufferUsage = 'weights' | 'kv-cache' | 'activations' | 'io';

/** The description of a buffer to {@link Backend.allocate}. */
export interface BufferSpec {
  /** Size in bytes. */
  readonly byteLength: number;
  /** What it is for. */
  readonly usage: BufferUsage;
  /** For `weights`: the dtype of the one tensor the buffer holds (required). */
  readonly dtype?: DType;
  /** For `weights`: that tensor's shape, outermost first (required). */
  readonly shape?: readonly number[];
  /** Shows in errors and debuggers. */
  readonly label?: string;
}

/** The answer of {@link Backend.supports}: yes, or no with the reason. */
export type Support = SupportOk | SupportRefusal;

/** The backend runs the op. */
export interface SupportOk {
  /** Always true. */
  readonly ok: true;
}

/** The backend does not run the op. */
export interface SupportRefusal {
  /** Always false. */
  readonly ok: false;
  /** Why not, for people (a dtype without a kernel, a shape past a limit). */
  readonly reason: string;
}

/**
 * A graph checked and planned once, to run many times. Token ids and
 * positions are input tensors of the graph, so one decode step's prepared
 * graph serves every step: write the new inputs, then `run()`. A backend may
 * cache kernels, addresses, pipelines and bind groups behind it.
 */
export interface PreparedGraph {
  /** Number of ops. */
  readonly length: number;
  /** Queues one run of the graph, as {@link Backend.run} would. */
  run(): void;
  /** Frees what the backend keeps for it. Later runs throw `E_DISPOSED`. */
  dispose(): void;
}

/**
 * A compute backend: owns buffers and runs graphs of ops (contract v2,
 * docs/adr/0008-contract-v2.md).
 *
 * Work is queued: {@link Backend.write} and {@link Backend.run} return at once
 * (a synchronous backend may also finish the work before returning), and only
 * {@link Backend.read} awaits. Bad graphs (shapes, dtypes, aliasing, an op the
 * backend does not run) throw from `prepare`/`run` before anything runs. An
 * error of queued work (a GPU out of memory, a lost device) is thrown, with
 * its code, by the next `read`; never as an unhandled rejection. On WebGPU a
 * graph becomes one command buffer; on a worker-pool backend, one message; on
 * the JS backend, a loop.
 */
export interface Backend {
  /** Static facts about this instance. */
  readonly info: BackendInfo;
  /**
   * Whether this backend runs `op` with its operands' dtypes and shapes (as
   * ggml's `supports_op`), and why not. Only dtypes and shapes are looked at:
   * a loader asks with placeholder tensors (`plannedTensor` of @llamita/core) before it
   * uploads a byte.
   */
  supports(op: Op): Support;
  /** A new zero-filled buffer, laid out for its use. */
  allocate(spec: BufferSpec): BufferHandle;
  /**
   * Queues a copy of `data` into `buffer` at `byteOffset`, in the canonical
   * (GGUF) layout whatever the backend keeps inside. `data` may be reused
   * once this returns.
   */
  write(buffer: BufferHandle, byteOffset: number, data: ArrayBufferView): void;
  /** Checks and plans a graph once, to run many times. */
  prepare(graph: Graph): PreparedGraph;
  /** Queues a whole graph once (`prepare(graph).run()` without keeping the plan). */
  run(graph: Graph): void;
  /**
   * Returns a copy of the tensor's bytes in the canonical layout as they are
   * after the work queued before the call: work queued after the call (while
   * the promise is pending) does not change them, so a caller may queue the
   * next graph before awaiting this read. Never changes a buffer.
   */
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
