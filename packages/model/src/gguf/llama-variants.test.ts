import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '@llamita/core';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { expectedShapes } from '../llama/weights.js';
import { llamaConfigFromGguf, loadGgufLlama } from './gguf-llama.js';
import { jsBackend } from '@llamita/backend-js';
import { readGguf, readTensorData } from './reader.js';
import { bytesSource } from './source.js';
import type { GgufValue } from './types.js';
import { serializeGguf, type GgufTensorToWrite } from './writer.js';

const have = fixturesAvailable();

/** stories260K.gguf (made by llama.cpp) rewritten with extra metadata and tensors, read back. */
async function stories260KWith(metadata: [string, GgufValue][], tensors: GgufTensorToWrite[]) {
  const file = await readGguf(bytesSource(new Uint8Array(readFileSync(fixturePath('stories260K/stories260K.gguf'))), 'stories260K.gguf'));
  const own = await Promise.all(file.tensors.map(async (t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: await readTensorData(file, t) })));
  const bytes = concatBytes(serializeGguf(new Map([...file.metadata, ...metadata]), [...own, ...tensors]));
  return readGguf(bytesSource(bytes, 'variant.gguf'));
}

const f32 = (name: string, n: number): GgufTensorToWrite => ({ name, dtype: 'f32', shape: [n], data: new Uint8Array(4 * n) });

describe.skipIf(!have)(`llama GGUF files with what the forward pass does not compute${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  it('reads the unchanged file', async () => {
    expect(llamaConfigFromGguf(await stories260KWith([], [])).nLayers).toBe(5);
  });

  it('takes RoPE frequency factors (Llama 3.1 and 3.2) as a weight of the model', async () => {
    const config = llamaConfigFromGguf(await stories260KWith([], [f32('rope_freqs.weight', 4)]));
    expect(config.ropeFreqFactors).toBe(true);
    expect(expectedShapes(config).get('rope_freqs.weight')).toEqual([config.headDim / 2]);
  });

  it('refuses a RoPE frequency factor of zero with E_BAD_FILE naming it, before anything runs', async () => {
    const factors = new Float32Array([1, 2, 0, 4]);
    const file = await stories260KWith([], [{ name: 'rope_freqs.weight', dtype: 'f32', shape: [4], data: new Uint8Array(factors.buffer) }]);
    await expect(loadGgufLlama(file, await jsBackend.create(), { contextSize: 16 })).rejects.toMatchObject({ code: 'E_BAD_FILE', message: expect.stringMatching(/rope_freqs\.weight\[2\] is 0/) });
  });

  it.each([
    ['linear RoPE scaling', [['llama.rope.scaling.type', { type: 'string', value: 'linear' }]], [], /RoPE scaling "linear" is not supported/],
    ['a bias on q in a llama file', [], [f32('blk.0.attn_q.bias', 64)], /blk\.0\.attn_q\.bias: biases in the block are not supported/],
    [
      'long-context RoPE factors (Phi-3 128k)',
      [],
      [f32('blk.0.rope_factors_long.weight', 4)],
      /long and short RoPE factors \(blk\.0\.rope_factors_long\.weight, long-context Phi-3\) are not supported/,
    ],
  ] as const)('refuses %s with E_UNSUPPORTED_MODEL naming it', async (_what, metadata, tensors, message) => {
    const file = await stories260KWith([...metadata] as [string, GgufValue][], [...tensors]);
    expect(() => llamaConfigFromGguf(file)).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED_MODEL', message: expect.stringMatching(message) }));
  });
});
