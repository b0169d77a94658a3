import { describe, expect, it } from 'vitest';
import { allocateTensor, type Backend, type Op, type Tensor } from '@llamita/core';
import { createWebGpuBackendFactory, type WebGpuBackend } from './backend.js';
import { nodeGpu } from './node-gpu.test-helper.js';

const factory = createWebGpuBackendFactory({ gpu: await nodeGpu(), allowSoftwareAdapter: true, timestamps: true });
const probe = await factory.probe();

// what the grouped kernel computes is checked against the reference by the conformance suite
// ("matmuls of different widths reading it"); here, that it is one dispatch
describe.skipIf(!probe.ok)(`grouped matmuls on WebGPU${probe.ok ? '' : ` (skipped: ${probe.ok ? '' : probe.reason})`}`, () => {
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
});
