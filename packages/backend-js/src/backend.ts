import {
  CONTRACT_VERSION,
  LlamitaError,
  byteSize,
  checkGraph,
  numel,
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
import { activationTypeFor, dequantize } from '@llamita/tensor';
import { matmulKQuant } from './kquant-dot.js';
import * as k from './kernels.js';
import { sampleRow } from './sample.js';

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
  private nextId = 1;
  /** Set once the backend is disposed; later calls throw `E_DISPOSED`. */
  protected disposed = false;

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
    const ops = [...graph];
    let disposed = false;
    return {
      length: ops.length,
      run: () => {
        this.checkAlive();
        if (disposed) throw new LlamitaError('E_DISPOSED', 'this prepared graph was disposed');
        for (const op of ops) this.execute(op);
      },
      dispose: () => {
        disposed = true;
      },
    };
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
  protected checkAlive(): void {
    if (this.disposed) throw new LlamitaError('E_DISPOSED', 'the js backend was disposed');
  }

  /** The bytes of a live buffer. Subclasses that keep buffers elsewhere (wasm memory) override this. */
  protected storage(buffer: BufferHandle): Uint8Array {
    this.checkAlive();
    const bytes = buffer.backend === 'js' ? this.buffers.get(buffer.id) : undefined;
    if (!bytes) throw new LlamitaError('E_DISPOSED', `buffer ${buffer.backend}#${buffer.id} is not a live buffer of this backend`);
    return bytes;
  }

  /** An f32 view of a tensor's bytes. */
  protected f32(t: Tensor): Float32Array {
    const bytes = this.storage(t.buffer);
    if (t.byteOffset % 4 !== 0) throw new LlamitaError('E_INVALID_ARGUMENT', `f32 tensor at unaligned byte offset ${t.byteOffset}`);
    return new Float32Array(bytes.buffer, bytes.byteOffset + t.byteOffset, byteSize('f32', t.shape) / 4);
  }

  /** An f16-bits view of a tensor's bytes. */
  protected u16(t: Tensor): Uint16Array {
    const bytes = this.storage(t.buffer);
    if (t.byteOffset % 2 !== 0) throw new LlamitaError('E_INVALID_ARGUMENT', `f16 tensor at unaligned byte offset ${t.byteOffset}`);
    return new Uint16Array(bytes.buffer, bytes.byteOffset + t.byteOffset, byteSize('f16', t.shape) / 2);
  }

  /** An i32 view of a tensor's bytes. */
  protected i32(t: Tensor): Int32Array {
    const f = this.f32(t);
    return new Int32Array(f.buffer, f.byteOffset, f.length);
  }

  /** Row reader over a `[rows, cols]` weight of any dtype. */
  protected rows(t: Tensor): k.RowReader {
    const bytes = this.storage(t.buffer);
    const cols = t.shape[1]!;
    const rowBytes = byteSize(t.dtype, [cols]);
    if (t.dtype === 'f32' && t.byteOffset % 4 === 0) {
      const all = this.f32(t);
      return (row, out) => out.set(all.subarray(row * cols, (row + 1) * cols));
    }
    return (row, out) => dequantize(t.dtype, bytes, t.byteOffset + row * rowBytes, cols, out, 0);
  }

  /** Runs one validated op. Subclasses may take over some ops and defer the rest here. */
  protected execute(op: Op): void {
    switch (op.op) {
      case 'embedding': {
        const [vocab, dim] = op.table.shape as [number, number];
        return k.embedding(this.rows(op.table), vocab, dim, this.i32(op.ids), this.f32(op.out));
      }
      case 'rms_norm': {
        const [m, n] = op.x.shape as [number, number];
        return k.rmsNorm(this.f32(op.x), this.f32(op.weight), op.eps, m, n, this.f32(op.out));
      }
      case 'matmul': {
        const [m, kk] = op.x.shape as [number, number];
        const n = op.w.shape[0]!;
        // k-quants take llama.cpp's integer route, so that they round where it does
        if ((op.w.dtype === 'q4_k' || op.w.dtype === 'q5_k' || op.w.dtype === 'q6_k') && kk % 256 === 0) {
          return matmulKQuant(this.f32(op.x), op.w.dtype, this.storage(op.w.buffer), op.w.byteOffset, m, kk, n, this.f32(op.out));
        }
        const activation = activationTypeFor(op.w.dtype);
        return k.matmul(this.f32(op.x), this.rows(op.w), activation, k.accumulationFor(op.w.dtype, n, kk), m, kk, n, this.f32(op.out));
      }
      case 'rope': {
        const [m, heads, hd] = op.x.shape as [number, number, number];
        return k.rope(this.f32(op.x), this.i32(op.positions), op.theta, op.mode, m, heads, hd, this.f32(op.out));
      }
      case 'attention': {
        const [m, nHead, hd] = op.q.shape as [number, number, number];
        const [ctx, nKv] = op.k.shape as [number, number];
        if (op.k.dtype === 'f16') {
          return k.attentionF16Cache(this.f32(op.q), this.u16(op.k), this.u16(op.v), this.i32(op.positions), op.scale, m, nHead, nKv, hd, ctx, this.f32(op.out));
        }
        return k.attention(this.f32(op.q), this.f32(op.k), this.f32(op.v), this.i32(op.positions), op.scale, m, nHead, nKv, hd, ctx, this.f32(op.out));
      }
      case 'swiglu':
        return k.swiglu(this.f32(op.gate), this.f32(op.up), this.f32(op.out));
      case 'add':
        return k.add(this.f32(op.a), this.f32(op.b), this.f32(op.out));
      case 'copy': {
        const dst = op.dst.dtype === 'f16' ? this.u16(op.dst) : this.f32(op.dst);
        const width = op.src.shape[op.src.shape.length - 1] ?? 1;
        if (width === 0) return;
        const rows = op.rows ? this.i32(op.rows) : Int32Array.from({ length: numel(op.src.shape) / width }, (_, i) => i);
        return k.copyRows(this.f32(op.src), dst, rows, width, dst.length / width);
      }
      case 'argmax': {
        const [m, n] = op.x.shape as [number, number];
        return k.argmax(this.f32(op.x), m, n, this.i32(op.out));
      }
      case 'sample': {
        const [m, n] = op.logits.shape as [number, number];
        const [logits, random, out] = [this.f32(op.logits), this.i32(op.random), this.i32(op.out)];
        for (let i = 0; i < m; i++) out[i] = sampleRow(logits.subarray(i * n, (i + 1) * n), op, (random[i]! >>> 0) / 4294967296);
        return;
      }
    }
  }
}

/** Factory for {@link JsBackend}; it runs everywhere JavaScript runs. */
export const jsBackend: BackendFactory = {
  name: 'js',
  probe: async () => ({ ok: true, description: 'plain TypeScript, runs everywhere' }),
  create: async () => new JsBackend(),
};
