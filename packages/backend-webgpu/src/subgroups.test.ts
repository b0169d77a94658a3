import { describe, expect, it } from 'vitest';
import { allocateTensor, type Backend, type DType, type Op, type Tensor } from '@llamita/core';
import { Prng } from '@llamita/sampling';
import { compare, F32_TOLERANCE, randomF32, randomWeight } from '@llamita/testkit';
import { createWebGpuBackendFactory, type WebGpuBackend, type WebGpuBackendOptions } from './backend.js';
import { nodeGpu } from './node-gpu.test-helper.js';

const gpu = await nodeGpu();
// 4 threads an output: SwiftShader's subgroups have 4 lanes (a GPU's 32 take the default shapes)
const tuned: WebGpuBackendOptions = { gpu, allowSoftwareAdapter: true, decodeShape: { threads: 4, rows: 64, unroll: 2 } };
const probe = await createWebGpuBackendFactory(tuned).probe();
const adapter = probe.ok ? await gpu!.requestAdapter() : null;
const hasSubgroups = adapter?.features.has('subgroups') === true && gpu!.wgslLanguageFeatures.has('subgroup_id') && (adapter.info.subgroupMinSize ?? 0) >= 4;

type GpuBackend = Backend & WebGpuBackend;

/** An RMSNorm of x ([1, k]) and a matmul of its output with a `dtype` weight of n rows, optionally fused by the backend; the matmul's output. */
async function normThenMatmul(backend: GpuBackend, dtype: DType, k: number, n: number, withNorm: boolean): Promise<Float32Array> {
  const rng = new Prng(k + n);
  const put = (usage: 'weights' | 'activations', type: DType, shape: number[], data: ArrayBufferView): Tensor => {
    const t = allocateTensor(backend, usage, type, shape);
    backend.write(t.buffer, 0, data);
    return t;
  };
  const x = put('activations', 'f32', [1, k], randomF32(rng, k));
  const h = allocateTensor(backend, 'activations', 'f32', [1, k]);
  const w = put('weights', dtype, [n, k], randomWeight(rng, dtype, n, k).bytes);
  const out = allocateTensor(backend, 'activations', 'f32', [1, n]);
  const norm: Op = { op: 'rms_norm', x, weight: put('weights', 'f32', [k], randomF32(rng, k)), eps: 1e-5, out: h };
  backend.run([...(withNorm ? [norm] : []), { op: 'matmul', x: withNorm ? h : x, w, out }]);
  return new Float32Array((await backend.read(out)).buffer.slice(0));
}

describe.skipIf(!hasSubgroups)(`WebGPU matmul with subgroup sums${hasSubgroups ? '' : ' (skipped: no subgroups of 4 or more lanes here)'}`, () => {
  it.each(['q4_0', 'f16', 'q4_k'] as const)('%s weights: each output summed by shuffles gives the workgroup-memory sums bit for bit', async (dtype) => {
    const [on, off] = [(await createWebGpuBackendFactory(tuned).create()) as GpuBackend, (await createWebGpuBackendFactory({ ...tuned, subgroups: false }).create()) as GpuBackend];
    const k = dtype === 'q4_k' ? 2304 : 2080;
    const [a, b] = [await normThenMatmul(on, dtype, k, 70, false), await normThenMatmul(off, dtype, k, 70, false)];
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(on.compiledKernels.filter((key) => key.includes('+sg'))).toHaveLength(1);
    expect(off.compiledKernels.filter((key) => key.includes('+sg'))).toEqual([]);
  });

  it('a fused RMSNorm sums its squares by subgroups, then across them: the same result within f32 rounding', async () => {
    const [on, off] = [(await createWebGpuBackendFactory(tuned).create()) as GpuBackend, (await createWebGpuBackendFactory({ ...tuned, subgroups: false }).create()) as GpuBackend];
    const [a, b] = [await normThenMatmul(on, 'q8_0', 2048, 40, true), await normThenMatmul(off, 'q8_0', 2048, 40, true)];
    expect(compare(a, b, F32_TOLERANCE).ok).toBe(true);
    expect(on.compiledKernels.some((key) => key.startsWith('matmul:q8_0+norm') && key.includes('+sg'))).toBe(true);
  });
});
