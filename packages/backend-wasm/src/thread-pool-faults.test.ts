import { setFlagsFromString } from 'node:v8';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { allocateTensor, asF32, type Backend, type DType, type Op, type Tensor } from '@llamita/core';
import { Prng } from '@llamita/sampling';
import { randomF32, randomWeight } from '@llamita/testkit';
import { WasmBackend } from './backend.js';
import type { ThreadPool } from './thread-pool.js';

setFlagsFromString('--experimental-wasm-relaxed-simd');

const rng = new Prng(18);
const [m, k, n] = [4, 512, 2048];
const x = randomF32(rng, m * k);
const w = randomWeight(rng, 'q4_0', n, k).bytes;

function put(backend: Backend, dtype: DType, shape: number[], data?: ArrayBufferView, usage: 'weights' | 'activations' = 'activations'): Tensor {
  const t = allocateTensor(backend, usage, dtype, shape);
  if (data) backend.write(t.buffer, 0, data);
  return t;
}

/** A Q4_0 matmul big enough to be split across the pool, set up once on `backend`. */
function matmulOn(backend: WasmBackend): () => Promise<Float32Array> {
  const out = put(backend, 'f32', [m, n]);
  const op: Op = { op: 'matmul', x: put(backend, 'f32', [m, k], x), w: put(backend, 'q4_0', [n, k], w, 'weights'), out };
  return async () => {
    backend.run([op]);
    return asF32(await backend.read(out));
  };
}

/** The backend's pool and its workers (private: faults are injected from outside, as a runtime would). */
const poolOf = (backend: WasmBackend) => (backend as unknown as { pool: ThreadPool }).pool;
const workersOf = (pool: ThreadPool) => (pool as unknown as { workers: Worker[] }).workers;

describe('a wasm worker killed or hung: a typed error, then a pool that recovers', () => {
  it('a worker that exits between tasks: the next task runs on this thread, exact, while the workers restart', async () => {
    const backend = await WasmBackend.create({ threads: 3 });
    const run = matmulOn(backend);
    const expected = await run();
    const pool = poolOf(backend);
    const worker = workersOf(pool)[1]!;
    // the pool's own exit listener came first: when this one runs, the pool knows, and its restart has not finished
    const afterExit = new Promise<{ degraded: string | undefined; result: Promise<Float32Array> }>((resolve) => worker.once('exit', () => resolve({ degraded: pool.degraded, result: run() })));
    await worker.terminate();
    const { degraded, result } = await afterExit;
    expect(degraded).toMatch(/exited/);
    expect(await result).toEqual(expected);
    await pool.whenRestarted();
    expect(pool.degraded).toBeUndefined();
    expect(pool.restarts).toBe(1);
    expect(workersOf(pool)).toHaveLength(2);
    expect(await run()).toEqual(expected);
    backend.dispose();
  });

  it('a worker gone in the middle of a task (no exit seen yet): E_BACKEND_UNAVAILABLE after the stall bound, then exact again', async () => {
    const backend = await WasmBackend.create({ threads: 3, workerStallMs: 3_000 });
    const run = matmulOn(backend);
    const expected = await run();
    const pool = poolOf(backend);
    // terminate() takes effect at once, but its exit event waits for the event loop, which the task below blocks:
    // to the pool this is a worker that never finishes its part, like a hung one
    void workersOf(pool)[0]!.terminate();
    const started = performance.now();
    await expect(run()).rejects.toMatchObject({ name: 'LlamitaError', code: 'E_BACKEND_UNAVAILABLE', message: expect.stringMatching(/stopped responding/) });
    expect(performance.now() - started).toBeGreaterThanOrEqual(3_000);
    expect(await run()).toEqual(expected);
    await pool.whenRestarted();
    expect(pool.degraded).toBeUndefined();
    expect(await run()).toEqual(expected);
    // the terminated sets' late exit events do not break the new pool
    await new Promise((r) => setTimeout(r, 100));
    expect(pool.degraded).toBeUndefined();
    expect(pool.restarts).toBe(1);
    backend.dispose();
  });
});
