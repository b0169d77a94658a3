import { describe, expect, it } from 'vitest';
import { jsBackend } from '@llamita/backend-js';
import { wasmBackend } from '@llamita/backend-wasm';
import { createWebGpuBackendFactory } from '@llamita/backend-webgpu';
import { dawnGpu } from '@llamita/backend-webgpu/node';
import { fileSource } from '@llamita/model/node';
import { SamplerChain, type SamplingOptions } from '@llamita/sampling';
import { fixturePath, fixturesAvailable, useSwiftShaderUnlessConfigured } from '@llamita/testkit';
import { loadModel, type Engine } from './engine.js';

const have = fixturesAvailable();
useSwiftShaderUnlessConfigured();
const webgpu = createWebGpuBackendFactory({ gpu: dawnGpu, allowSoftwareAdapter: true });
const webgpuHere = have && (await webgpu.probe()).ok;

/** The ids the host-side chain draws from the logits the model reads back, step by step. */
async function hostChainIds(engine: Engine, prompt: number[], options: SamplingOptions & { seed: number }, count: number): Promise<number[]> {
  const chain = new SamplerChain(options);
  engine.model.reset();
  const ids: number[] = [];
  let logits = await engine.model.evaluate(prompt);
  for (let i = 0; i < count; i++) {
    ids.push(chain.sample(logits));
    if (i + 1 < count) logits = await engine.model.evaluate([ids.at(-1)!]);
  }
  return ids;
}

describe.skipIf(!have)(`sampling on the backend (the sample op)${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  const settings: (SamplingOptions & { seed: number })[] = [{ seed: 1 }, { seed: 7, temperature: 1.3, topK: 0, topP: 0.9, minP: 0 }, { seed: 99, temperature: 0.6, topK: 5, topP: 1, minP: 0.1 }];
  it.each([jsBackend, wasmBackend].flatMap((b) => settings.map((s) => [b.name, JSON.stringify(s), b, s] as const)))(
    'on %s with %s: generate draws on the backend the ids the host chain draws',
    async (_name, _shown, backend, options) => {
      const engine = await loadModel(await fileSource(fixturePath('stories260K/stories260K.gguf')), { backend, contextSize: 128 });
      expect(engine.model.canSample).toBe(true);
      const prompt = engine.tokenizer.encode('Once upon a time');
      const generated: number[] = [];
      for await (const { id } of engine.generate(prompt, { ...options, maxTokens: 40, stopAtEos: false })) if (id >= 0) generated.push(id);
      expect(generated).toEqual(await hostChainIds(engine, prompt, options, 40));
      engine.dispose();
    },
  );

  // found by the WebGPU soak: a top-k of 0 (no limit) is beyond the WGSL sampler's 64 candidates, and generating failed
  it.skipIf(!webgpuHere)(
    'settings the backend cannot sample with are sampled on the host instead (WebGPU, top-k 0), with the ids the host chain draws',
    async () => {
      const engine = await loadModel(await fileSource(fixturePath('stories260K/stories260K.gguf')), { backend: webgpu, contextSize: 128 });
      const options = settings[1]!;
      expect(engine.model.canSampleWith({ topK: 0, topP: 0.9, minP: 0, temperature: 1.3 })).toBe(false);
      expect(engine.model.canSampleWith({ topK: 5, topP: 1, minP: 0.1, temperature: 0.6 })).toBe(true);
      const prompt = engine.tokenizer.encode('Once upon a time');
      const generated: number[] = [];
      for await (const { id } of engine.generate(prompt, { ...options, maxTokens: 24, stopAtEos: false })) if (id >= 0) generated.push(id);
      expect(generated).toEqual(await hostChainIds(engine, prompt, options, 24));
      engine.dispose();
    },
    120_000,
  );
});
