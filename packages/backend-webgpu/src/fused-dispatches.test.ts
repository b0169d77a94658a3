import { describe, expect, it } from 'vitest';
import { allocateTensor, reshape, type Backend, type Op, type Tensor } from '@llamita/core';
import { createWebGpuBackendFactory, type WebGpuBackend } from './backend.js';
import { nodeGpu } from './node-gpu.test-helper.js';

const factory = createWebGpuBackendFactory({ gpu: await nodeGpu(), allowSoftwareAdapter: true, timestamps: true });
const probe = await factory.probe();

// what the fused kernels compute is checked against the reference by the conformance suite
// ("matmuls of different widths reading it", "rope ... of q and k, then k and v into ... cache"); here, that each is one dispatch
describe.skipIf(!probe.ok)(`fused dispatches on WebGPU${probe.ok ? '' : ` (skipped: ${probe.ok ? '' : probe.reason})`}`, () => {
  it('runs a norm and the q, k and v projections reading it as one dispatch, and a batch of 32 rows (tiled) as four', async () => {
    const backend = (await factory.create()) as Backend & WebGpuBackend;
    const tensor = (dtype: Tensor['dtype'], shape: number[]) => allocateTensor(backend, 'activations', dtype, shape);
    const block = (m: number): Op[] => {
      const [x, h] = [tensor('f32', [m, 512]), tensor('f32', [m, 512])];
      const norm: Op = { op: 'rms_norm', x, weight: tensor('f32', [512]), eps: 1e-5, out: h };
      return [norm, ...[32, 8, 8].map((n): Op => ({ op: 'matmul', x: h, w: tensor('q4_0', [n, 512]), out: tensor('f32', [m, n]) }))];
    };
    const profiler = backend.profiler!;
    expect(profiler).toBeDefined();
    backend.run(block(1));
    backend.run(block(32));
    const calls = (await profiler.report()).all!.map((t) => [t.key, t.calls]);
    expect(calls).toEqual(
      expect.arrayContaining([
        ['rms_norm + matmul q4_0 [32, 512] + matmul q4_0 [8, 512] + matmul q4_0 [8, 512]', 1],
        ['rms_norm', 1],
        ['matmul q4_0 [32, 512] batched', 1],
        ['matmul q4_0 [8, 512] batched', 2],
      ]),
    );
    expect(calls).toHaveLength(4);
    backend.dispose();
  });

  it('runs rope of q and k and the copies of k and v into an f16 cache as one dispatch', async () => {
    const backend = (await factory.create()) as Backend & WebGpuBackend;
    const tensor = (dtype: Tensor['dtype'], shape: number[]) => allocateTensor(backend, 'activations', dtype, shape);
    const [positions, kRot] = [tensor('i32', [1]), tensor('f32', [1, 2, 8])];
    const [kCache, vCache] = [tensor('f16', [16, 16]), tensor('f16', [16, 16])];
    backend.run([
      { op: 'rope', x: tensor('f32', [1, 4, 8]), positions, theta: 10000, mode: 'adjacent', out: tensor('f32', [1, 4, 8]) },
      { op: 'rope', x: tensor('f32', [1, 2, 8]), positions, theta: 10000, mode: 'adjacent', out: kRot },
      { op: 'copy', src: reshape(kRot, [1, 16]), dst: kCache, rows: positions },
      { op: 'copy', src: tensor('f32', [1, 16]), dst: vCache, rows: positions },
    ]);
    expect((await backend.profiler!.report()).all!.map((t) => [t.key, t.calls])).toEqual([['rope + rope + copy + copy', 1]]);
    backend.dispose();
  });

  it('runs a swiglu, the down projection reading it and the residual add as one dispatch', async () => {
    const backend = (await factory.create()) as Backend & WebGpuBackend;
    const tensor = (dtype: Tensor['dtype'], shape: number[]) => allocateTensor(backend, 'activations', dtype, shape);
    const [act, down] = [tensor('f32', [1, 512]), tensor('f32', [1, 64])];
    backend.run([
      { op: 'swiglu', gate: tensor('f32', [1, 512]), up: tensor('f32', [1, 512]), out: act },
      { op: 'matmul', x: act, w: tensor('q4_0', [64, 512]), out: down },
      { op: 'add', a: tensor('f32', [1, 64]), b: down, out: tensor('f32', [1, 64]) },
    ]);
    expect((await backend.profiler!.report()).all!.map((t) => [t.key, t.calls])).toEqual([['swiglu + matmul q4_0 [64, 512] + add', 1]]);
    backend.dispose();
  });
});
