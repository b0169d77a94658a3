import {
  CONTRACT_VERSION,
  LlamitaError,
  byteSize,
  checkGraph,
  sequentialGraph,
  type Backend,
  type BackendFactory,
  type BackendInfo,
  type BackendNumerics,
  type BufferHandle,
  type BufferSpec,
  type Graph,
  type Op,
  type PreparedGraph,
  type Support,
  type Tensor,
} from '@llamita/core';
import { executeReference } from './reference-ops.js';
import { TensorViews } from './views.js';

/** The rounding of the reference kernels: llama.cpp's x86 orders (docs/adr/0006-llama-cpp-rounding.md). */
export const LLAMA_CPP_X86_NUMERICS: BackendNumerics = { id: 'llama.cpp-x86', logProbTolerance: 1e-3 };

/**
 * The reference backend: ArrayBuffers on the host, every op in plain
 * TypeScript. Runs each graph synchronously inside {@link JsBackend.run}.
 */
export class JsBackend implements Backend {
  /** @inheritDoc */
  readonly info: BackendInfo = { name: 'js', contractVersion: CONTRACT_VERSION, description: 'plain TypeScript reference backend (f32, single thread)', numerics: LLAMA_CPP_X86_NUMERICS };
  private readonly buffers = new Map<number, Uint8Array>();
  private readonly views = new TensorViews((buffer) => this.storage(buffer));
  private nextId = 1;
  /** Set once the backend is disposed; later calls throw `E_DISPOSED`. */
  private disposed = false;

  /** Every op of the contract, with every weight dtype (validateOp refuses the rest). */
  supports(_op: Op): Support {
    return { ok: true };
  }

  allocate(spec: BufferSpec): BufferHandle {
    this.checkAlive();
    const { byteLength, label } = spec;
    if (!Number.isSafeInteger(byteLength) || byteLength < 0) {
      throw new LlamitaError('E_INVALID_ARGUMENT', `cannot allocate ${byteLength} bytes${label ? ` for ${label}` : ''}`);
    }
    const id = this.nextId++;
    // Round up to 4 bytes so any f32/i32 view of the tail stays in range.
    this.buffers.set(id, new Uint8Array((byteLength + 3) & ~3));
    return { backend: 'js', id, byteLength };
  }

  write(buffer: BufferHandle, byteOffset: number, data: ArrayBufferView): void {
    const bytes = this.storage(buffer);
    if (byteOffset < 0 || byteOffset + data.byteLength > buffer.byteLength) {
      throw new LlamitaError('E_OUT_OF_BOUNDS', `writing ${data.byteLength} bytes at ${byteOffset} overflows a buffer of ${buffer.byteLength}`);
    }
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), byteOffset);
  }

  /** Checks the graph once; each run executes its ops in order. */
  prepare(graph: Graph): PreparedGraph {
    this.checkAlive();
    checkGraph(this, graph);
    return sequentialGraph(
      graph,
      (op) => this.execute(op),
      () => this.checkAlive(),
    );
  }

  run(graph: Graph): void {
    this.prepare(graph).run();
  }

  async read(tensor: Tensor): Promise<Uint8Array> {
    const bytes = this.storage(tensor.buffer);
    return bytes.slice(tensor.byteOffset, tensor.byteOffset + byteSize(tensor.dtype, tensor.shape));
  }

  release(buffer: BufferHandle): void {
    this.buffers.delete(buffer.id);
  }

  dispose(): void {
    this.buffers.clear();
    this.disposed = true;
  }

  /** @throws LlamitaError `E_DISPOSED` once the backend was disposed. */
  private checkAlive(): void {
    if (this.disposed) throw new LlamitaError('E_DISPOSED', 'the js backend was disposed');
  }

  /** The bytes of a live buffer. */
  private storage(buffer: BufferHandle): Uint8Array {
    this.checkAlive();
    const bytes = buffer.backend === 'js' ? this.buffers.get(buffer.id) : undefined;
    if (!bytes) throw new LlamitaError('E_DISPOSED', `buffer ${buffer.backend}#${buffer.id} is not a live buffer of this backend`);
    return bytes;
  }

  /** Runs one validated op. */
  private execute(op: Op): void {
    executeReference(op, this.views);
  }
}

/** Factory for {@link JsBackend}; it runs everywhere JavaScript runs. */
export const jsBackend: BackendFactory = {
  name: 'js',
  probe: async () => ({ ok: true, description: 'plain TypeScript, runs everywhere' }),
  create: async () => new JsBackend(),
};
