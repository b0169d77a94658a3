import type { OpTiming } from '@llamita/core';

/** The most timestamps one query set holds (WebGPU's limit is 4096 queries). */
const QUERIES_PER_SET = 4096;

/** A dispatch as the profiler records it: its pipeline, bind group and grid, and the key its time goes under. */
export interface TimedDispatch {
  /** The kernel's compute pipeline. */
  readonly pipeline: GPUComputePipeline;
  /** Its bindings (group 0). */
  readonly bindGroup: GPUBindGroup;
  /** The workgroup grid it dispatches. */
  readonly groups: readonly [number, number, number];
  /** `opTimingKey` of the op it runs. */
  readonly key: string;
}

/** Records one dispatch into a compute pass. */
export function encodeDispatch(pass: GPUComputePassEncoder, d: TimedDispatch): void {
  pass.setPipeline(d.pipeline);
  pass.setBindGroup(0, d.bindGroup);
  pass.dispatchWorkgroups(...d.groups);
}

/**
 * GPU time per op from timestamp queries (the `timestamp-query` feature):
 * while profiling, each dispatch runs in a compute pass of its own whose
 * beginning and end are stamped, and the differences are summed per op key
 * and per phase (prefill, decode, as the caller names them). The passes
 * cost a little, so a profiled run is slower than a plain one.
 */
export class KernelProfiler {
  private phaseName = 'all';
  private readonly totals = new Map<string, Map<string, { calls: number; ns: number }>>();
  private pending: Promise<void>[] = [];
  /** Bumped by reset, so that stamps of work from before it, read later, are dropped. */
  private generation = 0;

  constructor(private readonly device: GPUDevice) {}

  /** Files the time of work submitted from now on under `name`. */
  phase(name: string): void {
    this.phaseName = name;
  }

  /** Forgets every time recorded so far. */
  reset(): void {
    this.totals.clear();
    this.generation++;
  }

  /** Records `dispatches` into `encoder`, one stamped pass each; call the returned function once the encoder is submitted. */
  record(encoder: GPUCommandEncoder, dispatches: readonly TimedDispatch[]): () => void {
    const phase = this.phaseName;
    const generation = this.generation;
    const reads: (() => void)[] = [];
    for (let start = 0; start < dispatches.length; start += QUERIES_PER_SET / 2) {
      const chunk = dispatches.slice(start, start + QUERIES_PER_SET / 2);
      const querySet = this.device.createQuerySet({ type: 'timestamp', count: chunk.length * 2 });
      chunk.forEach((d, i) => {
        const pass = encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
        encodeDispatch(pass, d);
        pass.end();
      });
      const bytes = chunk.length * 16;
      const resolved = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
      const readback = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      encoder.resolveQuerySet(querySet, 0, chunk.length * 2, resolved, 0);
      encoder.copyBufferToBuffer(resolved, 0, readback, 0, bytes);
      reads.push(() => {
        const done = readback.mapAsync(GPUMapMode.READ).then(() => {
          const stamps = new BigInt64Array(readback.getMappedRange());
          if (generation === this.generation) chunk.forEach((d, i) => this.add(phase, d.key, Number(stamps[2 * i + 1]! - stamps[2 * i]!)));
          readback.unmap();
        });
        this.pending.push(
          done.finally(() => {
            readback.destroy();
            resolved.destroy();
            querySet.destroy();
          }),
        );
      });
    }
    return () => reads.forEach((read) => read());
  }

  /** Milliseconds of GPU time per op key, per phase, of the work submitted since the last reset. */
  async report(): Promise<Record<string, OpTiming[]>> {
    const pending = this.pending;
    this.pending = [];
    await Promise.all(pending);
    const out: Record<string, OpTiming[]> = {};
    for (const [phase, byKey] of this.totals) {
      out[phase] = [...byKey].map(([key, t]) => ({ key, calls: t.calls, ms: t.ns / 1e6 })).sort((a, b) => b.ms - a.ms);
    }
    return out;
  }

  private add(phase: string, key: string, ns: number): void {
    let byKey = this.totals.get(phase);
    if (!byKey) this.totals.set(phase, (byKey = new Map()));
    const t = byKey.get(key) ?? { calls: 0, ns: 0 };
    byKey.set(key, { calls: t.calls + 1, ns: t.ns + Math.max(0, ns) });
  }
}
