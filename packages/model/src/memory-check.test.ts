import { describe, expect, it } from 'vitest';
import { byteSize, LlamitaError, type DType } from '@llamita/core';
import { JsBackend } from '@llamita/backend-js';
import { WasmBackend } from '@llamita/backend-wasm';
import { LlamaModel, expectedShapes, type LlamaConfig, type TensorSource } from './index.js';

/** A Llama-7B-shaped checkpoint whose bytes must never be read: the check comes first. */
function unreadableSource(config: LlamaConfig, dtype: DType): TensorSource {
  const entries = new Map(
    [...expectedShapes(config)].map(([name, shape]) => [name, { name, dtype: shape.length === 1 ? 'f32' : dtype, shape, byteLength: byteSize(shape.length === 1 ? 'f32' : dtype, shape) }] as const),
  );
  return {
    name: 'llama-7b-shaped',
    entries,
    read: (name) => Promise.reject(new Error(`${name} was read before the memory check`)),
  };
}

const llama7b: LlamaConfig = {
  dim: 4096,
  ffnDim: 11008,
  nLayers: 32,
  nHeads: 32,
  nKvHeads: 32,
  headDim: 128,
  vocabSize: 32000,
  contextLength: 4096,
  ropeTheta: 10000,
  normEps: 1e-5,
  ropeMode: 'adjacent',
};

describe('loading a model that cannot fit', () => {
  it('is refused by the wasm backend (4 GiB) before any tensor is read or allocated, with the sizes', async () => {
    const backend = await WasmBackend.create({ threads: 1 });
    const before = backend.memoryBytes;
    const error = await LlamaModel.load(unreadableSource(llama7b, 'f16'), llama7b, backend, { contextSize: 2048 }).catch((e: unknown) => e);
    expect(LlamitaError.is(error) && error.code).toBe('E_OUT_OF_MEMORY');
    expect((error as Error).message).toMatch(/needs 1[23]\.\d\d GiB \(weights 12\.\d\d GiB, KV cache 1\.00 GiB.*holds at most 3\.9\d GiB/);
    expect(backend.memoryBytes).toBe(before);
    backend.dispose();
  });

  it('is not checked on a backend without a fixed limit (the js backend reads the first tensor)', async () => {
    const error = await LlamaModel.load(unreadableSource(llama7b, 'q4_0'), llama7b, new JsBackend(), { contextSize: 16 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/was read before the memory check/);
  });

  it('lets the TinyLlama-1.1B shape through in F16 and Q4_K (the check alone; no bytes are read)', async () => {
    const tinyllama: LlamaConfig = { ...llama7b, dim: 2048, ffnDim: 5632, nLayers: 22, nKvHeads: 4, headDim: 64 };
    const backend = await WasmBackend.create({ threads: 1 });
    for (const dtype of ['f16', 'q4_k'] as const) {
      const error = await LlamaModel.load(unreadableSource(tinyllama, dtype), tinyllama, backend, { contextSize: 2048 }).catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/was read before the memory check/);
    }
    backend.dispose();
  });
});
