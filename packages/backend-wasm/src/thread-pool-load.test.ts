import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allocateTensor, asF32, type Backend, type BufferUsage, type DType, type Tensor } from '@llamita/core';
import { Prng } from '@llamita/sampling';
import { randomF32 } from '@llamita/testkit';
import { WasmBackend } from './backend.js';

/** How long each busy loop spins at most: it outlives the test, and dies with it or by itself. */
const LOAD_MS = 120_000;

/** One busy loop per core, in other processes, so every thread of the pool competes for a core. */
function loadEveryCore(): ChildProcess[] {
  return Array.from({ length: availableParallelism() }, () => spawn(process.execPath, ['-e', `const end = Date.now() + ${LOAD_MS}; while (Date.now() < end);`], { stdio: 'ignore' }));
}

function put(backend: Backend, dtype: DType, shape: number[], data?: ArrayBufferView, usage: BufferUsage = 'activations'): Tensor {
  const t = allocateTensor(backend, usage, dtype, shape);
  if (data) backend.write(t.buffer, 0, data);
  return t;
}

describe('the wasm thread pool on a loaded machine', () => {
  let load: ChildProcess[] = [];
  beforeAll(() => {
    load = loadEveryCore();
  });
  afterAll(() => {
    for (const child of load) child.kill('SIGKILL');
  });

  // More threads than cores, every core busy: workers are descheduled at any point, including
  // between saying they are ready and reading the first task (the stall this test was written for),
  // so it starts many pools and runs thousands of tasks on them.
  it('runs 4,000 tasks on 10 fresh pools of cores + 2 threads, each giving what one thread gives', async () => {
    const threads = availableParallelism() + 2;
    // large enough that every task goes to the pool (see MIN_PARALLEL_WORK)
    const [rows, cols] = [64, 4096];
    const rng = new Prng(5);
    const a = randomF32(rng, rows * cols);
    const b = randomF32(rng, rows * cols);
    const weight = randomF32(rng, cols);
    const residualStream = async (backend: WasmBackend): Promise<Float32Array> => {
      const x = put(backend, 'f32', [rows, cols], a);
      const y = put(backend, 'f32', [rows, cols], b);
      const w = put(backend, 'f32', [cols], weight);
      const normed = put(backend, 'f32', [rows, cols]);
      // normalize (split by rows), add back (split by chunks); each task reads the one before
      for (let i = 0; i < 200; i++)
        backend.run([
          { op: 'rms_norm', x, weight: w, eps: 1e-5, out: normed },
          { op: 'add', a: normed, b: y, out: x },
        ]);
      const result = asF32(await backend.read(x));
      backend.dispose();
      return result;
    };
    const expected = await residualStream(await WasmBackend.create({ threads: 1 }));
    for (let round = 0; round < 10; round++) {
      const pool = await WasmBackend.create({ threads });
      expect(pool.threads).toBe(threads);
      expect(await residualStream(pool)).toEqual(expected);
    }
  });
});
