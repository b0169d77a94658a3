import type { Backend, BackendInfo, BufferSpec, PreparedGraph, Support } from './backend.js';
import type { Graph, Op } from './ops.js';
import type { BufferHandle, Tensor } from './tensor.js';

/** Time spent in one kind of op: the op name, with the weight dtype and shape for matmul and embedding. */
export interface OpTiming {
  /** e.g. `matmul q4_0 [5632, 2048]` or `attention`. */
  readonly key: string;
  /** How many ops of this kind ran. */
  readonly calls: number;
  /** Milliseconds of wall time, in total. */
  readonly ms: number;
}

/** The key an op's time is filed under in a profile: the op, with the weight dtype and shape for matmul and embedding. */
export function opTimingKey(op: Op): string {
  if (op.op === 'matmul') return `matmul ${op.w.dtype} [${op.w.shape.join(', ')}]${op.x.shape[0] === 1 ? '' : ' batched'}`;
  if (op.op === 'embedding') return `embedding ${op.table.dtype}`;
  return op.op;
}

/**
 * A backend wrapper that runs each graph op by op and times every op, for
 * finding where inference time goes. Meaningful for backends that finish work
 * inside `run` (js, wasm); for a queued GPU backend it measures only encoding.
 * The per-op `run` calls add a little overhead of their own.
 */
export class ProfilingBackend implements Backend {
  private readonly timings = new Map<string, { calls: number; ms: number }>();

  /** Wraps `inner`; every call goes through to it. */
  constructor(
    /** The backend doing the work. */
    readonly inner: Backend,
  ) {}

  /** @inheritDoc */
  get info(): BackendInfo {
    return this.inner.info;
  }

  /** Timings so far, the most expensive first. */
  report(): OpTiming[] {
    return [...this.timings].map(([key, t]) => ({ key, ...t })).sort((a, b) => b.ms - a.ms);
  }

  /** Forgets the timings so far. */
  reset(): void {
    this.timings.clear();
  }

  supports(op: Op): Support {
    return this.inner.supports(op);
  }

  allocate(spec: BufferSpec): BufferHandle {
    return this.inner.allocate(spec);
  }

  write(buffer: BufferHandle, byteOffset: number, data: ArrayBufferView): void {
    this.inner.write(buffer, byteOffset, data);
  }

  /** Prepares each op as a graph of its own, so each can be timed. */
  prepare(graph: Graph): PreparedGraph {
    const steps = graph.map((op) => ({ key: opTimingKey(op), prepared: this.inner.prepare([op]) }));
    return {
      length: graph.length,
      run: () => {
        for (const { key, prepared } of steps) {
          const start = performance.now();
          prepared.run();
          const t = this.timings.get(key) ?? { calls: 0, ms: 0 };
          t.calls++;
          t.ms += performance.now() - start;
          this.timings.set(key, t);
        }
      },
      dispose: () => {
        for (const { prepared } of steps) prepared.dispose();
      },
    };
  }

  run(graph: Graph): void {
    const prepared = this.prepare(graph);
    prepared.run();
    prepared.dispose();
  }

  read(tensor: Tensor): Promise<Uint8Array> {
    return this.inner.read(tensor);
  }

  release(buffer: BufferHandle): void {
    this.inner.release(buffer);
  }

  dispose(): void {
    this.inner.dispose();
  }
}
