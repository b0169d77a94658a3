import { describe, expect, it } from 'vitest';
import { allocateTensor, reshape, type Backend, type Op, type Tensor } from '@llamita/core';
import { createWebGpuBackendFactory, type WebGpuBackend } from './backend.js';
import { nodeGpu } from './node-gpu.test-helper.js';

const factory = createWebGpuBackendFactory({ gpu: await nodeGpu(), allowSoftwareAdapter: true, timestamps: true });
// x quantized once by a dispatch of its own (quantize_x.wgsl) before the integer decode matmuls
const preparedX = createWebGpuBackendFactory({ gpu: await nodeGpu(), allowSoftwareAdapter: true, timestamps: true, preparedX: true });
// attention split over the cache, as GPUs run decode (a software adapter's default is one pass)
const splitAttention = createWebGpuBackendFactory({ gpu: await nodeGpu(), allowSoftwareAdapter: true, timestamps: true, splitAttention: true });
const probe = await factory.probe();

// what the fused kernels compute is checked against the reference by the conformance suite
// ("matmuls of different widths reading it", "rope ... of q and k, then k and v into ... cache"); here, that each is one dispatch
describe.skipIf(!probe.ok)(`fused dispatches on WebGPU${probe.ok ? '' : ` (skipped: ${probe.ok ? '' : probe.reason})`}`, () => {
  it.each([
    ['each workgroup staging x', factory, []],
    ['x prepared once (quantize_x.wgsl, the norm in it)', preparedX, [['prepare x: rms_norm + matmul q4_0 [32, 512] + matmul q4_0 [8, 512] + matmul q4_0 [8, 512]', 1]]],
  ] as const)('runs a norm and the q, k and v projections reading it as one matmul dispatch (%s), and a batch of 32 rows (tiled) as four', async (_, from, prepare) => {
    const backend = (await from.create()) as Backend & WebGpuBackend;
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
        ...prepare,
        ['rms_norm + matmul q4_0 [32, 512] + matmul q4_0 [8, 512] + matmul q4_0 [8, 512]', 1],
        ['rms_norm', 1],
        ['matmul q4_0 [32, 512] batched', 1],
        ['matmul q4_0 [8, 512] batched', 2],
      ]),
    );
    expect(calls).toHaveLength(4 + prepare.length);
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

  it.each([
    [1, [['rope + rope + copy + copy + attention', 2]]],
    [
      2,
      [
        ['rope + rope + copy + copy', 1],
        ['attention', 2],
      ],
    ],
  ] as const)('folds the rope and cache writes of %i token(s) into the split attention after them only for one token (split + merge: two dispatches)', async (m, want) => {
    const backend = (await splitAttention.create()) as Backend & WebGpuBackend;
    const tensor = (dtype: Tensor['dtype'], shape: number[]) => allocateTensor(backend, 'activations', dtype, shape);
    const [positions, qRot, kRot] = [tensor('i32', [m]), tensor('f32', [m, 4, 8]), tensor('f32', [m, 2, 8])];
    const [kCache, vCache] = [tensor('f16', [100, 2, 8]), tensor('f16', [100, 2, 8])];
    backend.run([
      { op: 'rope', x: tensor('f32', [m, 4, 8]), positions, theta: 10000, mode: 'adjacent', out: qRot },
      { op: 'rope', x: tensor('f32', [m, 2, 8]), positions, theta: 10000, mode: 'adjacent', out: kRot },
      { op: 'copy', src: reshape(kRot, [m, 16]), dst: reshape(kCache, [100, 16]), rows: positions },
      { op: 'copy', src: tensor('f32', [m, 16]), dst: reshape(vCache, [100, 16]), rows: positions },
      { op: 'attention', q: qRot, k: kCache, v: vCache, positions, scale: 0.35, out: tensor('f32', [m, 32]) },
    ]);
    const calls = (await backend.profiler!.report()).all!.map((t) => [t.key.replace(/ \[[^\]]*\]/g, ''), t.calls]);
    expect(calls).toEqual(expect.arrayContaining([...want]));
    expect(calls).toHaveLength(want.length);
    expect(backend.compiledKernels.some((key) => key.startsWith('attention_split:f16+rope'))).toBe(m === 1);
    backend.dispose();
  });

  it.each([
    ['each workgroup staging x', factory, []],
    ['x prepared once (quantize_x.wgsl, the swiglu in it)', preparedX, [['prepare x: swiglu + matmul q4_0 [64, 512] + add', 1]]],
  ] as const)('runs a swiglu, the down projection reading it and the residual add as one matmul dispatch (%s)', async (_, from, prepare) => {
    const backend = (await from.create()) as Backend & WebGpuBackend;
    const tensor = (dtype: Tensor['dtype'], shape: number[]) => allocateTensor(backend, 'activations', dtype, shape);
    const [act, down] = [tensor('f32', [1, 512]), tensor('f32', [1, 64])];
    backend.run([
      { op: 'swiglu', gate: tensor('f32', [1, 512]), up: tensor('f32', [1, 512]), out: act },
      { op: 'matmul', x: act, w: tensor('q4_0', [64, 512]), out: down },
      { op: 'add', a: tensor('f32', [1, 64]), b: down, out: tensor('f32', [1, 64]) },
    ]);
    const calls = (await backend.profiler!.report()).all!.map((t) => [t.key, t.calls]);
    expect(calls).toEqual(expect.arrayContaining([...prepare, ['swiglu + matmul q4_0 [64, 512] + add', 1]]));
    expect(calls).toHaveLength(1 + prepare.length);
    backend.dispose();
  });

  it('computes a prefill matmul bit for bit the same with any tile (each output sums over k in the same order), and refuses a tile that does not fit', async () => {
    const run = async (prefillTile?: { mt: number; nt: number; rm: number; rn: number }) => {
      const backend = (await createWebGpuBackendFactory({ gpu: await nodeGpu(), allowSoftwareAdapter: true, ...(prefillTile && { prefillTile }) }).create()) as Backend & WebGpuBackend;
      const put = (dtype: Tensor['dtype'], shape: number[], bytes: Uint8Array) => {
        const t = allocateTensor(backend, 'activations', dtype, shape);
        backend.write(t.buffer, 0, bytes);
        return t;
      };
      // x: 70 rows of 96, w: 140 rows of 96 in Q8_0 (34-byte blocks), values from a fixed pattern
      const x = put('f32', [70, 96], new Uint8Array(Float32Array.from({ length: 70 * 96 }, (_, i) => Math.sin(i) * 3).buffer));
      const w = put(
        'q8_0',
        [140, 96],
        Uint8Array.from({ length: 140 * 3 * 34 }, (_, i) => (i % 34 === 1 ? 0x2c : (i * 37) % 251)),
      );
      const out = allocateTensor(backend, 'activations', 'f32', [70, 140]);
      backend.run([{ op: 'matmul', x, w, out }]);
      const bytes = await backend.read(out);
      backend.dispose();
      return [...bytes];
    };
    const byDefault = await run();
    expect(new Float32Array(Uint8Array.from(byDefault).buffer).some((v) => v !== 0)).toBe(true);
    expect(await run({ mt: 32, nt: 64, rm: 2, rn: 4 })).toEqual(byDefault);
    expect(await run({ mt: 64, nt: 64, rm: 4, rn: 4 })).toEqual(byDefault);
    await expect(run({ mt: 128, nt: 128, rm: 8, rn: 8 })).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringMatching(/workgroup memory/) });
  });
});
