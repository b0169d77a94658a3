import { describe, expect, it } from 'vitest';
import { dequantizeToF32, quantize } from '@llamita/tensor';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { fileSource } from './gguf/node-source.js';
import { readGguf, readTensorData } from './gguf/reader.js';

const have = fixturesAvailable();

describe.skipIf(!have)(`quantizers against llama.cpp's${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  it.each([
    ['q-Q4_0.gguf', 'q4_0'],
    ['q-Q8_0.gguf', 'q8_0'],
    ['q-Q4_K_M.gguf', 'q4_k'],
    ['q-Q6_K.gguf', 'q6_k'],
  ] as const)('quantizing q-F32.gguf to %s gives llama.cpp\'s bytes, tensor for tensor', async (file, dtype) => {
    const f32 = await readGguf(await fileSource(fixturePath('quant/q-F32.gguf')));
    const reference = await readGguf(await fileSource(fixturePath(`quant/${file}`)));
    const tensors = reference.tensors.filter((t) => t.dtype === dtype);
    expect(tensors.length).toBeGreaterThan(0);
    for (const t of tensors) {
      const src = f32.tensors.find((x) => x.name === t.name)!;
      const values = dequantizeToF32('f32', await readTensorData(f32, src), 0, src.byteLength / 4);
      expect(Buffer.compare(Buffer.from(quantize(dtype, values)), Buffer.from(await readTensorData(reference, t))), t.name).toBe(0);
    }
  });
});
