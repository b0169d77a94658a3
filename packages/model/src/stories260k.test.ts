import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsBackend } from '@llamita/backend-js';
import { wasmBackend } from '@llamita/backend-wasm';
import { createWebGpuBackendFactory } from '@llamita/backend-webgpu';
import { dawnGpu } from '@llamita/backend-webgpu/node';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { SpmTokenizer } from '@llamita/tokenizer';
import { fileSource } from './gguf/node-source.js';
import { readGguf } from './gguf/reader.js';
import { spmVocabFromGguf } from './gguf/vocab.js';
import { loadGgufLlama } from './gguf/gguf-llama.js';

const have = fixturesAvailable();
// its 512 x 64 f32 embedding table and classifier (131,072 bytes each) over a 100,000-byte binding: each runs as two dispatches
const webgpuSplit = createWebGpuBackendFactory({ gpu: dawnGpu, allowSoftwareAdapter: true, maxStorageBufferBindingSize: 100_000 });
const webgpuHere = (await webgpuSplit.probe()).ok;
// decode attention split over the cache as GPUs run it, each token's rope and cache write folded into it
const webgpuSplitAttention = createWebGpuBackendFactory({ gpu: dawnGpu, allowSoftwareAdapter: true, splitAttention: true });

describe.skipIf(!have)(`stories260K greedy decoding${have ? '' : ' (skipped: ../shared/fixtures not found; set LLAMITA_FIXTURES)'}`, () => {
  // webgpu in batches of 32, so that every activation fits the small binding (the logits of 512 rows would not)
  const backends = [
    ['js', jsBackend, 512],
    ['wasm', wasmBackend, 512],
    ...(webgpuHere
      ? ([
          ['webgpu with weights split over storage bindings of 100,000 bytes', webgpuSplit, 32],
          ['webgpu with decode attention split over the cache (rope and cache write folded in)', webgpuSplitAttention, 512],
        ] as const)
      : []),
  ] as const;
  it.each(backends)("reproduces llama2.c's run.c output for an empty prompt, exactly, on the %s backend", async (_name, backend, batchSize) => {
    const file = await readGguf(await fileSource(fixturePath('stories260K/stories260K.gguf')));
    const tokenizer = new SpmTokenizer(spmVocabFromGguf(file));
    const model = await loadGgufLlama(file, await backend.create(), { contextSize: 512, batchSize });
    const prompt = tokenizer.encode('');
    expect(prompt).toEqual([tokenizer.vocab.bos]);
    const decoder = tokenizer.createStreamDecoder();
    let text = '';
    const generated: number[] = [];
    let next = await model.evaluateGreedy(prompt);
    while (generated.length < 256 && next !== tokenizer.vocab.eos) {
      generated.push(next);
      text += decoder.push(next);
      if (generated.length < 256) next = await model.evaluateGreedy([next]);
    }
    text += decoder.flush();
    // run.c ends its output with one newline after the last token
    expect(`${text}\n`).toBe(readFileSync(fixturePath('stories260K/greedy-256.txt'), 'utf8'));
    await file.source.close();
  });
});
