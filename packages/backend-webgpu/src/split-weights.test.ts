import { describe, expect, it } from 'vitest';
import { allocateTensor, type Backend, type DType, type Op, type Tensor } from '@llamita/core';
import { Prng } from '@llamita/sampling';
import { activationTypeFor, roundTripActivation } from '@llamita/tensor';
import { compare, F32_TOLERANCE, randomF32, randomWeight, refMatmul } from '@llamita/testkit';
import { createWebGpuBackendFactory, type WebGpuBackend } from './backend.js';
import { nodeGpu } from './node-gpu.test-helper.js';

const gpu = await nodeGpu();
// weights of 51-102 KB against a 40,000-byte binding (x and the outputs fit it): two or three dispatches each
const LIMIT = 40_000;
const split = createWebGpuBackendFactory({ gpu, allowSoftwareAdapter: true, timestamps: true, maxStorageBufferBindingSize: LIMIT });
const whole = createWebGpuBackendFactory({ gpu, allowSoftwareAdapter: true });
// x quantized once (quantize_x.wgsl), then each range of the weight's rows
const splitPrepared = createWebGpuBackendFactory({ gpu, allowSoftwareAdapter: true, timestamps: true, maxStorageBufferBindingSize: LIMIT, preparedX: true });
const probe = await split.probe();

type GpuBackend = Backend & WebGpuBackend;

const put = (backend: Backend, usage: 'weights' | 'activations', dtype: DType, shape: number[], data: ArrayBufferView): Tensor => {
  const t = allocateTensor(backend, usage, dtype, shape);
  backend.write(t.buffer, 0, data);
  return t;
};
const floats = async (backend: Backend, t: Tensor) => new Float32Array((await backend.read(t)).buffer.slice(0));

/** x · wᵀ for a random x of m rows and a `dtype` weight of n rows, and the reference (x rounded as llama.cpp rounds it for that weight). */
async function matmul(backend: GpuBackend, dtype: DType, m: number, k: number, n: number) {
  const rng = new Prng(m * 7 + n);
  const x = randomF32(rng, m * k);
  const w = randomWeight(rng, dtype, n, k);
  const out = allocateTensor(backend, 'activations', 'f32', [m, n]);
  backend.run([{ op: 'matmul', x: put(backend, 'activations', 'f32', [m, k], x), w: put(backend, 'weights', dtype, [n, k], w.bytes), out }]);
  const xq = new Float32Array(x);
  for (let i = 0; i < m; i++) roundTripActivation(xq.subarray(i * k, (i + 1) * k), activationTypeFor(dtype));
  return { got: await floats(backend, out), want: refMatmul(xq, w.values, m, k, n) };
}

describe.skipIf(!probe.ok)(`WebGPU weights larger than a storage binding${probe.ok ? '' : ` (skipped: ${probe.ok ? '' : probe.reason})`}`, () => {
  it.each([
    ['q4_0', 1, 600, split],
    ['q4_0', 3, 600, splitPrepared],
    ['q8_0', 32, 200, split],
    ['f32', 3, 100, split],
    ['q6_k', 2, 300, split],
  ] as const)('a %s matmul of m=%i over %i weight rows runs as one dispatch per range of rows that fits, and gives the reference', async (dtype, m, n, factory) => {
    const backend = (await factory.create()) as GpuBackend;
    const k = 256;
    const { got, want } = await matmul(backend, dtype, m, k, n);
    const c = compare(got, want, F32_TOLERANCE);
    expect(c.ok, `nmse ${c.nmse.toExponential(2)}`).toBe(true);
    // one key for the matmul's dispatches (and one for a prepared x's quantize dispatch)
    const calls = (await backend.profiler!.report()).all!.filter((t) => !t.key.startsWith('prepare x')).map((t) => t.calls);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toBeGreaterThan(1);
    backend.dispose();
  });

  it('folds a norm and a residual add into each dispatch of a split matmul: every tensor as the unsplit backend writes it', async () => {
    const run = async (backend: Backend) => {
      const rng = new Prng(11);
      const [m, k, n] = [2, 256, 300];
      const x = put(backend, 'activations', 'f32', [m, k], randomF32(rng, m * k));
      const normWeight = put(backend, 'weights', 'f32', [k], randomF32(rng, k));
      const w = put(backend, 'weights', 'q8_0', [n, k], randomWeight(rng, 'q8_0', n, k).bytes);
      const other = put(backend, 'activations', 'f32', [m, n], randomF32(rng, m * n));
      const [h, out, sum] = [allocateTensor(backend, 'activations', 'f32', [m, k]), allocateTensor(backend, 'activations', 'f32', [m, n]), allocateTensor(backend, 'activations', 'f32', [m, n])];
      const graph: Op[] = [
        { op: 'rms_norm', x, weight: normWeight, eps: 1e-5, out: h },
        { op: 'matmul', x: h, w, out },
        { op: 'add', a: out, b: other, out: sum },
      ];
      backend.run(graph);
      return [await floats(backend, h), await floats(backend, out), await floats(backend, sum)];
    };
    const [a, b] = [await run(await split.create()), await run(await whole.create())];
    for (const [i, t] of a.entries()) expect(compare(t, b[i]!, F32_TOLERANCE).ok, `tensor ${i}`).toBe(true);
  });

  it('looks up embedding rows across the ranges of a split table; an id outside the table gives zeros', async () => {
    const backend = (await split.create()) as GpuBackend;
    const [vocab, dim] = [200, 64];
    const table = randomF32(new Prng(5), vocab * dim);
    const ids = [0, 199, 150, 12, -1, 200, 155, 156];
    const out = allocateTensor(backend, 'activations', 'f32', [ids.length, dim]);
    backend.run([{ op: 'embedding', table: put(backend, 'weights', 'f32', [vocab, dim], table), ids: put(backend, 'activations', 'i32', [ids.length], Int32Array.from(ids)), out }]);
    const got = await floats(backend, out);
    const want = Float32Array.from(ids.flatMap((id) => (id >= 0 && id < vocab ? Array.from(table.subarray(id * dim, (id + 1) * dim)) : new Array<number>(dim).fill(0))));
    expect(Array.from(got)).toEqual(Array.from(want));
    expect((await backend.profiler!.report()).all!.map((t) => t.calls)).toEqual([2]);
    backend.dispose();
  });

  it('refuses an activation larger than the binding (only weights are split), saying so, and a limit below 4 KiB', async () => {
    const backend = (await split.create()) as GpuBackend;
    const w = allocateTensor(backend, 'weights', 'q8_0', [2, 12288]);
    const support = backend.supports({ op: 'matmul', x: allocateTensor(backend, 'activations', 'f32', [1, 12288]), w, out: allocateTensor(backend, 'activations', 'f32', [1, 2]) });
    expect(support).toEqual({ ok: false, reason: expect.stringMatching(/f32\[1, 12288\] tensor of 49152 bytes exceeds this device's storage binding limit of 40000 bytes/) });
    backend.dispose();
    await expect(createWebGpuBackendFactory({ gpu, allowSoftwareAdapter: true, maxStorageBufferBindingSize: 100 }).create()).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });
});
