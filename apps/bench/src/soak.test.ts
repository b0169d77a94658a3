import { describe, expect, it } from 'vitest';
import { createWebGpuBackendFactory } from '@llamita/backend-webgpu';
import { dawnGpu } from '@llamita/backend-webgpu/node';
import { fixturePath, fixturesAvailable, useSwiftShaderUnlessConfigured } from '@llamita/testkit';
import { runSoak } from './soak/run-soak.js';

const have = fixturesAvailable();
useSwiftShaderUnlessConfigured();
const webgpuHere = have && (await createWebGpuBackendFactory({ gpu: dawnGpu, allowSoftwareAdapter: true }).probe()).ok;

// A bounded run of the soak benchmark (soak.ts): 200 generations on wasm, half of them
// aborted at random moments, sessions saved and restored, the model moved to js and back.
describe.skipIf(!have)(`a soak of one engine${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  it('aborts leave nothing stuck or leaked: no error but E_ABORTED, greedy runs unchanged, wasm memory and its live bytes flat', async () => {
    const report = await runSoak({ model: fixturePath('stories260K/stories260K.gguf'), backend: 'wasm', generations: 200, abortOneIn: 2, moveEvery: 50, warmUp: 50, seed: 18 });
    expect(report.errors).toEqual([]);
    expect(report.outcomes.aborted).toBeGreaterThan(20);
    expect(report.outcomes.finished).toBeGreaterThan(20);
    expect(report.restores).toBeGreaterThan(0);
    expect(report.moves).toBe(4);
    expect(report.greedyChecks).toBeGreaterThan(5);
    expect(report.greedyMismatches).toBe(0);
    const first = report.memory[0]!;
    for (const sample of report.memory) expect({ memory: sample.wasmMemoryMb, live: sample.wasmLiveMb }).toEqual({ memory: first.wasmMemoryMb, live: first.wasmLiveMb });
  }, 120_000);

  it.skipIf(!webgpuHere)(
    'on WebGPU (SwiftShader without a GPU): no error but E_ABORTED, greedy runs unchanged, the live GPU buffers flat',
    async () => {
      const report = await runSoak({ model: fixturePath('stories260K/stories260K.gguf'), backend: 'webgpu', generations: 24, abortOneIn: 2, moveEvery: 12, warmUp: 6, seed: 18 });
      expect(report.errors).toEqual([]);
      expect(report.outcomes.aborted).toBeGreaterThan(2);
      expect(report.moves).toBe(2);
      expect(report.greedyChecks).toBeGreaterThan(0);
      expect(report.greedyMismatches).toBe(0);
      const first = report.memory[0]!;
      expect(first.gpuBuffers).toBeGreaterThan(0);
      // the model keeps up to 8 prepared graphs (a params and a scratch buffer each), rebuilt after each move:
      // the count moves within that cache and never beyond it
      for (const sample of report.memory) expect(Math.abs(sample.gpuBuffers! - first.gpuBuffers!)).toBeLessThanOrEqual(16);
    },
    600_000,
  );
});
