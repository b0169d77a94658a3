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
    ['q-Q5_0.gguf', 'q5_0'],
    ['q-Q5_1.gguf', 'q5_1'],
    ['q-Q4_K_M.gguf', 'q4_k'],
    ['q-Q5_K_M.gguf', 'q5_k'],
    ['q-Q6_K.gguf', 'q6_k'],
  ] as const)("quantizing q-F32.gguf to %s gives llama.cpp's bytes, tensor for tensor", async (file, dtype) => {
    const f32 = await readGguf(await fileSource(fixturePath('quant/q-F32.gguf')));
    const reference = await readGguf(await fileSource(fixturePath(`quant/${file}`)));
    const tensors = reference.tensors.filter((t) => t.dtype === dtype);
    expect(tensors.length).toBeGreaterThan(0);
    for (const t of tensors) {
      const src = f32.tensors.find((x) => x.name === t.name)!;
      const values = dequantizeToF32('f32', await readTensorData(f32, src), 0, src.byteLength / 4);
      expect(Buffer.compare(Buffer.from(quantize(dtype, values)), Buffer.from(await readTensorData(reference, t))), t.name).toBe(0);
    }
    await Promise.all([f32.source.close(), reference.source.close()]);
  });
});

describe.skipIf(!have)('make-model q4_k_m and q5_k_m', () => {
  it.each([
    ['q4_k_m', { q6_k: 3, f32: 5, q4_k: 13 }],
    ['q5_k_m', { q6_k: 3, f32: 5, q5_k: 13 }],
  ] as const)("picks llama.cpp's %s types for the fixture model's shape", async (dtype, want) => {
    const { synthesizeLlama } = await import('./synthetic/synthesize.js');
    const vocab = await readGguf(await fileSource(fixturePath('stories260K/stories260K.gguf')));
    const model = synthesizeLlama({ shape: { dim: 256, ffnDim: 768, nLayers: 2, nHeads: 4, nKvHeads: 2, contextLength: 256 }, dtype, seed: 1, vocab });
    await vocab.source.close();
    const bytes = new Uint8Array(model.totalBytes);
    let o = 0;
    for (const part of [model.header, ...Array.from(model.chunks(), (c) => c.bytes)]) {
      bytes.set(part, o);
      o += part.length;
    }
    const { bytesSource } = await import('./gguf/source.js');
    const file = await readGguf(bytesSource(bytes));
    const counts: Record<string, number> = {};
    for (const t of file.tensors) counts[t.dtype] = (counts[t.dtype] ?? 0) + 1;
    // q-Q4_K_M.gguf and q-Q5_K_M.gguf, made by llama.cpp from a model of this shape (expected.jsonl's tensor_types)
    expect(counts).toEqual(want);
  });
});
