import { describe, expect, it } from 'vitest';
import { allocateTensor, asF32, type Backend } from '@llamita/core';
import { createWebGpuBackendFactory } from './backend.js';
import { nodeGpu } from './node-gpu.test-helper.js';

const factory = createWebGpuBackendFactory({ gpu: await nodeGpu(), allowSoftwareAdapter: true });
const probe = await factory.probe();

describe.skipIf(!probe.ok)(`errors of queued WebGPU work${probe.ok ? '' : ` (skipped: ${probe.ok ? '' : probe.reason})`}`, () => {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);

  it('surface with a code on the next read, never as an unhandled rejection, and the backend works on', async () => {
    process.on('unhandledRejection', onRejection);
    const backend: Backend = await factory.create();
    const put = (values: number[]) => {
      const t = allocateTensor(backend, 'activations', 'f32', [values.length]);
      backend.write(t.buffer, 0, Float32Array.from(values));
      return t;
    };
    const [a, b, out] = [put([1, 2, 3, 4]), put([10, 20, 30, 40]), put([0, 0, 0, 0])];
    const prepared = backend.prepare([{ op: 'add', a, b, out }]);
    prepared.run();
    expect([...asF32(await backend.read(out))]).toEqual([11, 22, 33, 44]);
    // a buffer freed under a prepared graph: its next submit is invalid GPU work
    const gone = put([5, 5, 5, 5]);
    const stale = backend.prepare([{ op: 'add', a: gone, b, out }]);
    backend.release(gone.buffer);
    stale.run();
    await expect(backend.read(out)).rejects.toMatchObject({ name: 'LlamitaError', code: 'E_INVALID_ARGUMENT', message: expect.stringMatching(/WebGPU rejected queued work/) });
    // reported once; later work is unaffected
    prepared.run();
    expect([...asF32(await backend.read(out))]).toEqual([11, 22, 33, 44]);
    backend.dispose();
    await new Promise((resolve) => setTimeout(resolve, 50));
    process.off('unhandledRejection', onRejection);
    expect(rejections).toEqual([]);
  });
});
