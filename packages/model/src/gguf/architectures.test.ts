import { describe, expect, it } from 'vitest';
import { concatBytes } from '@llamita/core';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import type { LlamaConfig } from '../llama/config.js';
import { splitFusedProjections } from '../llama/fused-projections.js';
import type { TensorEntry, TensorSource } from '../llama/tensor-source.js';
import { fileSource } from '../node.js';
import { SYNTHETIC_SHAPES, synthesizeLlama, type SyntheticArch } from '../synthetic.js';
import { ggufArchitecture } from './architectures.js';
import { ggufModelTensors, ggufTensorSource, llamaConfigFromGguf } from './gguf-llama.js';
import { readGguf, readTensorData } from './reader.js';
import { serializeGguf } from './writer.js';
import { bytesSource } from './source.js';

const have = fixturesAvailable();

describe('ggufArchitecture', () => {
  it('names what a known family needs that is missing, and what is supported', () => {
    expect(() => ggufArchitecture('qwen2moe', 'q.gguf')).toThrow(
      expect.objectContaining({ code: 'E_UNSUPPORTED_MODEL', message: expect.stringMatching(/"qwen2moe".*mixture-of-experts blocks.*supported: llama, qwen2, qwen3, phi3/) }),
    );
    expect(() => ggufArchitecture('mamba', 'm.gguf')).toThrow(/architecture "mamba" is not supported \(supported: llama, qwen2, qwen3, phi3\)/);
  });

  it('takes no property of Object.prototype for an architecture', () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) expect(() => ggufArchitecture(name, 'x.gguf')).toThrow(/is not supported/);
  });
});

describe.skipIf(!have)(`synthetic files of each architecture${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  /** A micro model of `arch` (dim 64, 2 heads, 1 KV head, ffn 160, 2 layers), read back. */
  async function micro(arch: SyntheticArch) {
    const vocabSource = await fileSource(fixturePath('llama-spm-vocab/ggml-vocab-llama-spm.gguf'));
    const vocab = await readGguf(vocabSource);
    const model = synthesizeLlama({ arch, shape: SYNTHETIC_SHAPES.micro, dtype: 'q8_0', seed: 3, vocab });
    await vocabSource.close();
    return readGguf(bytesSource(concatBytes([model.header, ...Array.from(model.chunks(), (c) => c.bytes)]), `${arch}.gguf`));
  }

  it.each([
    ['llama', 'adjacent', false, 32, true],
    ['llama3', 'adjacent', false, 32, false],
    ['smollm2', 'adjacent', false, 32, false],
    ['qwen2', 'half', false, 32, false],
    ['qwen3', 'half', true, 64, false],
    ['phi3', 'half', false, 32, true],
  ] as const)('%s: RoPE pairs %s, q/k norms %s, heads of %i, own output head %s', async (arch, ropeMode, qkNorm, headDim, ownHead) => {
    const file = await micro(arch);
    const config = llamaConfigFromGguf(file);
    expect(config).toMatchObject({ ropeMode, qkNorm, qkvBias: arch === 'qwen2', ropeFreqFactors: arch === 'llama3', headDim, dim: 64, nHeads: 2, nKvHeads: 1 });
    expect(file.tensors.some((t) => t.name === 'output.weight')).toBe(ownHead);
  });

  it('computes Qwen2’s q, k, v biases and refuses any other bias by name', async () => {
    const file = await micro('qwen2');
    expect(file.tensors.find((t) => t.name === 'blk.1.attn_k.bias')?.shape).toEqual([32]);
    const tensors = await Promise.all(file.tensors.map(async (t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: await readTensorData(file, t) })));
    const outputBias = { name: 'output.bias', dtype: 'f32' as const, shape: [4], data: new Uint8Array(16) };
    const withOutputBias = await readGguf(bytesSource(concatBytes(serializeGguf(file.metadata, [...tensors, outputBias])), 'b.gguf'));
    expect(() => llamaConfigFromGguf(withOutputBias)).toThrow(
      expect.objectContaining({ code: 'E_UNSUPPORTED_MODEL', message: expect.stringMatching(/output\.bias: biases in the block are not supported/) }),
    );
  });

  it('sees Phi-3’s fused attn_qkv and ffn_up as q, k, v, gate and up: row ranges of the fused bytes, in that order', async () => {
    const file = await micro('phi3');
    const config = llamaConfigFromGguf(file);
    const raw = ggufTensorSource(file);
    const split = ggufModelTensors(file, config);
    const qkv = await raw.read('blk.1.attn_qkv.weight');
    const rowBytes = qkv.length / (64 + 32 + 32);
    expect(split.entries.has('blk.1.attn_qkv.weight')).toBe(false);
    expect(split.entries.get('blk.1.attn_k.weight')).toMatchObject({ dtype: 'q8_0', shape: [32, 64], byteLength: 32 * rowBytes });
    expect(await split.read('blk.1.attn_q.weight')).toEqual(qkv.subarray(0, 64 * rowBytes));
    expect(await split.read('blk.1.attn_k.weight')).toEqual(qkv.subarray(64 * rowBytes, 96 * rowBytes));
    expect(await split.read('blk.1.attn_v.weight')).toEqual(qkv.subarray(96 * rowBytes));
    const up = await raw.read('blk.0.ffn_up.weight');
    expect(split.entries.get('blk.0.ffn_up.weight')!.shape).toEqual([160, 64]);
    expect(await split.read('blk.0.ffn_gate.weight')).toEqual(up.subarray(0, up.length / 2));
    expect(await split.read('blk.0.ffn_up.weight')).toEqual(up.subarray(up.length / 2));
  });
});

describe('splitFusedProjections', () => {
  const config: LlamaConfig = { dim: 64, ffnDim: 160, nLayers: 1, nHeads: 2, nKvHeads: 1, headDim: 32, vocabSize: 10, contextLength: 16, ropeTheta: 1e4, normEps: 1e-5, ropeMode: 'half' };
  const sourceOf = (...entries: TensorEntry[]): TensorSource => ({ name: 'f.gguf', entries: new Map(entries.map((e) => [e.name, e])), read: () => Promise.resolve(new Uint8Array(0)) });

  it('refuses a fused tensor whose rows are not its pieces’, naming it', () => {
    const source = sourceOf({ name: 'blk.0.attn_qkv.weight', dtype: 'f32', shape: [100, 64], byteLength: 100 * 256 });
    expect(() => splitFusedProjections(source, config)).toThrow(
      expect.objectContaining({ code: 'E_UNSUPPORTED_MODEL', message: expect.stringMatching(/blk\.0\.attn_qkv\.weight has shape \[100, 64\], expected \[128, 64\]/) }),
    );
  });

  it('leaves separate tensors as they are', () => {
    const separate = sourceOf(
      { name: 'blk.0.ffn_gate.weight', dtype: 'f32', shape: [160, 64], byteLength: 160 * 256 },
      { name: 'blk.0.ffn_up.weight', dtype: 'f32', shape: [160, 64], byteLength: 160 * 256 },
    );
    expect([...splitFusedProjections(separate, config).entries.values()]).toEqual([...separate.entries.values()]);
  });
});
