import { describe, expect, it } from 'vitest';
import { jsBackend } from '@llamita/backend-js';
import { createWebGpuBackendFactory } from '@llamita/backend-webgpu';
import { dawnGpu } from '@llamita/backend-webgpu/node';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { fileSource } from '../gguf/node-source.js';
import { readGguf } from '../gguf/reader.js';
import { loadGgufLlama } from '../gguf/gguf-llama.js';

const have = fixturesAvailable();
const webgpu = createWebGpuBackendFactory({ gpu: dawnGpu, allowSoftwareAdapter: true });
const backends = [['js', jsBackend] as const, ...((await webgpu.probe()).ok ? [['webgpu', webgpu] as const] : [])];

// what an eval item does: a shared context, then each continuation from it (the cache cut back between them)
// (ids of stories260K's 512-token vocabulary)
const context = [1, 403, 290, 298, 371];
const continuations = [[450, 105, 338], [311, 215, 289, 13, 450], [29]];

describe.skipIf(!have)(`LlamaModel.evaluateQueued${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  it.each(backends)('gives each continuation queued back to back the logits evaluate gives it alone (%s)', async (_name, factory) => {
    const file = await readGguf(await fileSource(fixturePath('stories260K/stories260K.gguf')));
    // batches of 2: a continuation spans several batches, each read on its own
    const model = await loadGgufLlama(file, await factory.create(), { contextSize: 64, batchSize: 2 });
    await model.prefill(context);
    const one = async (tokens: readonly number[]) => {
      model.kv.truncate(context.length);
      return model.evaluate(tokens, 'all');
    };
    const alone: Float32Array[] = [];
    for (const tokens of continuations) alone.push(await one(tokens));
    const queued = continuations.map((tokens) => {
      model.kv.truncate(context.length);
      return model.evaluateQueued(tokens, 'all');
    });
    const got = await Promise.all(queued);
    got.forEach((logits, i) => {
      expect(logits.length).toBe(continuations[i]!.length * model.config.vocabSize);
      expect([...logits]).toEqual([...alone[i]!]);
    });
    expect(() => model.evaluateQueued(Array.from({ length: 80 }, () => 1))).toThrow(expect.objectContaining({ code: 'E_CONTEXT_FULL' }));
    await file.source.close();
  });
});
