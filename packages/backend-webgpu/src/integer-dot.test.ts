import { describe, expect, it } from 'vitest';
import { allocateTensor, type Backend, type DType, type Tensor } from '@llamita/core';
import { Prng } from '@llamita/sampling';
import { activationTypeFor, roundTripActivation } from '@llamita/tensor';
import { compare, F32_TOLERANCE, randomF32, randomWeight, refMatmul } from '@llamita/testkit';
import { createWebGpuBackendFactory, type WebGpuBackend } from './backend.js';
import { nodeGpu } from './node-gpu.test-helper.js';

const gpu = await nodeGpu();
const integer = createWebGpuBackendFactory({ gpu, allowSoftwareAdapter: true });
const prepared = createWebGpuBackendFactory({ gpu, allowSoftwareAdapter: true, preparedX: true });
const float = createWebGpuBackendFactory({ gpu, allowSoftwareAdapter: true, integerDot: false });
const probe = await integer.probe();

type GpuBackend = Backend & WebGpuBackend;

/** x · wᵀ on `backend` for a random x of m rows and weight of n rows, k long; the reference is the weight's values against x rounded to Q8_0 as llama.cpp does. */
async function matmul(backend: GpuBackend, dtype: DType, m: number, k: number, n: number): Promise<{ got: Float32Array; want: Float64Array | number[] }> {
  const rng = new Prng(k + m + n);
  const x = randomF32(rng, m * k);
  const w = randomWeight(rng, dtype, n, k);
  const put = (t: Tensor, data: ArrayBufferView) => (backend.write(t.buffer, 0, data), t);
  const out = allocateTensor(backend, 'activations', 'f32', [m, n]);
  backend.run([{ op: 'matmul', x: put(allocateTensor(backend, 'activations', 'f32', [m, k]), x), w: put(allocateTensor(backend, 'weights', dtype, [n, k]), w.bytes), out }]);
  const got = new Float32Array((await backend.read(out)).buffer.slice(0));
  const xq = new Float32Array(x);
  for (let i = 0; i < m; i++) roundTripActivation(xq.subarray(i * k, (i + 1) * k), activationTypeFor(dtype));
  return { got, want: refMatmul(xq, w.values, m, k, n) };
}

// the conformance suite checks every matmul on the default path (the integer one where WGSL has it); here both paths, and which one ran
describe.skipIf(!probe.ok)(`WebGPU matmul: the integer dot of Q4_0, Q5_0 and Q8_0 weights${probe.ok ? '' : ` (skipped: ${probe.ok ? '' : probe.reason})`}`, () => {
  it.each([
    ['q4_0', 1],
    ['q5_0', 1],
    ['q8_0', 1],
    ['q4_0', 5],
    ['q5_0', 3],
    ['q4_0', 40],
    ['q5_0', 33],
    ['q8_0', 64],
  ] as const)('%s weights, m=%i: the integer path (x prepared once, or staged by each workgroup) and the float path all give the reference, across a chunk boundary', async (dtype, m) => {
    const [withInt, withPrepared, withFloat] = [(await integer.create()) as GpuBackend, (await prepared.create()) as GpuBackend, (await float.create()) as GpuBackend];
    for (const backend of [withInt, withPrepared, withFloat]) {
      const { got, want } = await matmul(backend, dtype, m, 2080, 37);
      const c = compare(got, want, F32_TOLERANCE);
      expect(c.ok, `nmse ${c.nmse.toExponential(2)}`).toBe(true);
    }
    // m < 32 runs matmul.wgsl (x staged by each workgroup), or with preparedX on x that quantize_x.wgsl prepared (matmul_prepared.wgsl); a larger batch the tiled kernel
    const kernel = m < 32 ? 'matmul' : 'matmul_tiled';
    const kernels = (backend: GpuBackend) => backend.compiledKernels.map((key) => key.split('|')[0]!.replace('+sg', ''));
    const tiled = [expect.stringMatching(new RegExp(`^matmul_tiled:${dtype}\\+int@`))];
    expect(kernels(withInt)).toEqual(m < 32 ? [`matmul:${dtype}+int`] : tiled);
    expect(kernels(withPrepared)).toEqual(m < 32 ? ['quantize_x:none', `matmul:${dtype}+int+prepared`] : tiled);
    expect(withFloat.compiledKernels.filter((key) => key.includes('+int'))).toEqual([]);
    expect(withFloat.compiledKernels.filter((key) => key.startsWith(`${kernel}:${dtype}`))).toHaveLength(1);
  });

  it('reads F16 weights two a word where rows are word-aligned and K is even, one a word otherwise', async () => {
    const backend = (await integer.create()) as GpuBackend;
    for (const k of [66, 67]) {
      const { got, want } = await matmul(backend, 'f16', 2, k, 9);
      expect(compare(got, want, F32_TOLERANCE).ok).toBe(true);
    }
    // (where the device's subgroups are as wide as these matmuls' 4 threads an output, the kernels also carry +sg)
    expect(backend.compiledKernels.map((key) => key.split('|')[0]!.replace('+sg', ''))).toEqual(['matmul:f16+pairs', 'matmul:f16']);
  });
});
