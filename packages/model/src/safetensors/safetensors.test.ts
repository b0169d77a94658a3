import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsBackend } from '@llamita/backend-js';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { fileSource } from '../gguf/node-source.js';
import { readGguf, readTensorData, type GgufFile } from '../gguf/reader.js';
import { bytesSource } from '../gguf/source.js';
import { llamaConfigFromGguf, loadGgufLlama } from '../gguf/gguf-llama.js';
import { LlamaModel } from '../llama/model.js';
import { permuteQkRows } from './hf-llama.js';
import { openHfCheckpoint } from './node-checkpoint.js';
import { readSafetensors, serializeSafetensors } from './reader.js';
import { SYNTHETIC_SHAPES, synthesizeLlama } from '../synthetic.js';

const have = fixturesAvailable();
const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength))));

/** Hugging Face names of llama.cpp's (the inverse of the loader's table). */
function hfName(gguf: string): string {
  const fixed: Record<string, string> = { 'token_embd.weight': 'model.embed_tokens.weight', 'output_norm.weight': 'model.norm.weight', 'output.weight': 'lm_head.weight' };
  if (fixed[gguf]) return fixed[gguf];
  const [, layer, part] = /^blk\.(\d+)\.(.+)$/.exec(gguf)!;
  const parts: Record<string, string> = {
    'attn_norm.weight': 'input_layernorm.weight',
    'attn_q.weight': 'self_attn.q_proj.weight',
    'attn_k.weight': 'self_attn.k_proj.weight',
    'attn_v.weight': 'self_attn.v_proj.weight',
    'attn_output.weight': 'self_attn.o_proj.weight',
    'attn_q.bias': 'self_attn.q_proj.bias',
    'attn_k.bias': 'self_attn.k_proj.bias',
    'attn_v.bias': 'self_attn.v_proj.bias',
    'attn_q_norm.weight': 'self_attn.q_norm.weight',
    'attn_k_norm.weight': 'self_attn.k_norm.weight',
    'ffn_norm.weight': 'post_attention_layernorm.weight',
    'ffn_gate.weight': 'mlp.gate_proj.weight',
    'ffn_up.weight': 'mlp.up_proj.weight',
    'ffn_down.weight': 'mlp.down_proj.weight',
  };
  return `model.layers.${layer}.${parts[part!]}`;
}

/**
 * Writes a GGUF back out as a Hugging Face checkpoint folder: names mapped
 * back, a Llama's Q/K rows un-permuted to the Hugging Face RoPE layout (Qwen's
 * are in it already), split into `shards` safetensors files (with an index
 * when more than one).
 */
async function toHfFolder(file: GgufFile, shards: number): Promise<string> {
  const c = llamaConfigFromGguf(file);
  const modelType = file.metadata.get('general.architecture')!.value as string;
  const dir = mkdtempSync(join(tmpdir(), 'llamita-hf-'));
  const tensors = await Promise.all(
    file.tensors.map(async (t) => {
      let data = await readTensorData(file, t);
      const heads = c.ropeMode === 'half' ? 0 : t.name.endsWith('attn_q.weight') ? c.nHeads : t.name.endsWith('attn_k.weight') ? c.nKvHeads : 0;
      if (heads) data = permuteQkRows(data, heads, t.byteLength / t.shape[0]!, 'to-half');
      return { name: hfName(t.name), dtype: t.dtype, shape: t.shape, data };
    }),
  );
  const weightMap: Record<string, string> = {};
  const per = Math.ceil(tensors.length / shards);
  for (let s = 0; s < shards; s++) {
    const part = tensors.slice(s * per, (s + 1) * per);
    const name = shards === 1 ? 'model.safetensors' : `model-0000${s + 1}-of-0000${shards}.safetensors`;
    writeFileSync(join(dir, name), concat(serializeSafetensors(part, { format: 'pt' })));
    for (const t of part) weightMap[t.name] = name;
  }
  if (shards > 1) writeFileSync(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }));
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      model_type: modelType,
      hidden_size: c.dim,
      head_dim: c.headDim,
      intermediate_size: c.ffnDim,
      num_hidden_layers: c.nLayers,
      num_attention_heads: c.nHeads,
      num_key_value_heads: c.nKvHeads,
      vocab_size: c.vocabSize,
      max_position_embeddings: c.contextLength,
      rope_theta: c.ropeTheta,
      rms_norm_eps: c.normEps,
    }),
  );
  return dir;
}

describe.skipIf(!have)(`safetensors checkpoints${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  it.each([
    ['q-F32.gguf', 1],
    ['q-BF16.gguf', 2],
  ] as const)('%s as a Hugging Face checkpoint in %i file(s) (RoPE "half", un-permuted Q/K) gives the GGUF logits', async (name, shards) => {
    const gguf = await readGguf(await fileSource(fixturePath(`quant/${name}`)));
    const dir = await toHfFolder(gguf, shards);
    const hf = await openHfCheckpoint(dir);
    expect(hf.config.ropeMode).toBe('half');
    const prompt = [1, 403, 407, 261, 378, 221, 493];
    const fromGguf = await (await loadGgufLlama(gguf, await jsBackend.create(), { contextSize: 16 })).evaluate(prompt, 'all');
    const fromHf = await (await LlamaModel.load(hf.tensors, hf.config, await jsBackend.create(), { contextSize: 16 })).evaluate(prompt, 'all');
    let worst = 0;
    fromHf.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - fromGguf[i]!))));
    expect(worst).toBeLessThan(1e-4);
    await hf.close();
    await gguf.source.close();
  });

  it.each(['qwen2', 'qwen3'] as const)('a synthetic %s GGUF as a Hugging Face checkpoint gives the GGUF logits (biases, q/k norms, wide heads by their HF names)', async (arch) => {
    const vocabSource = await fileSource(fixturePath('llama-spm-vocab/ggml-vocab-llama-spm.gguf'));
    const synthesized = synthesizeLlama({ arch, shape: SYNTHETIC_SHAPES.micro, dtype: 'f32', seed: 5, vocab: await readGguf(vocabSource) });
    await vocabSource.close();
    const gguf = await readGguf(bytesSource(concat([synthesized.header, ...Array.from(synthesized.chunks(), (ch) => ch.bytes)]), `${arch}.gguf`));
    const hf = await openHfCheckpoint(await toHfFolder(gguf, 1));
    expect(hf.config).toMatchObject({ qkvBias: arch === 'qwen2', qkNorm: arch === 'qwen3' });
    const prompt = [1, 403, 407, 261, 378, 221, 493];
    const fromGguf = await (await loadGgufLlama(gguf, await jsBackend.create(), { contextSize: 16 })).evaluate(prompt, 'all');
    const fromHf = await (await LlamaModel.load(hf.tensors, hf.config, await jsBackend.create(), { contextSize: 16 })).evaluate(prompt, 'all');
    expect(fromHf).toEqual(fromGguf);
    await hf.close();
  });

  it('permuteQkRows round-trips', () => {
    const data = Uint8Array.from({ length: 4 * 8 * 3 }, (_, i) => i);
    const there = permuteQkRows(data, 4, 3, 'to-adjacent');
    expect(there).not.toEqual(data);
    expect(permuteQkRows(there, 4, 3, 'to-half')).toEqual(data);
  });
});

describe('safetensors reader on bad input', () => {
  const valid = concat(serializeSafetensors([{ name: 'w', dtype: 'f32', shape: [2, 2], data: new Uint8Array(16) }]));
  const read = (b: Uint8Array) => readSafetensors(bytesSource(b, 'x.safetensors'));
  it('reads a valid file', async () => {
    expect((await read(valid)).tensors.get('w')).toMatchObject({ dtype: 'f32', shape: [2, 2], byteLength: 16 });
  });
  it('rejects a huge header length, truncation, bad JSON, wrong sizes, unknown dtypes', async () => {
    const hugeLen = valid.slice();
    new DataView(hugeLen.buffer).setBigUint64(0, 1n << 40n, true);
    await expect(read(hugeLen)).rejects.toThrow(/header length/);
    await expect(read(valid.subarray(0, valid.length - 4))).rejects.toThrow(/the file is truncated: tensor \w+ runs past the end/);
    await expect(read(valid.subarray(0, 5))).rejects.toThrow(/too short/);
    const badJson = valid.slice();
    badJson[8] = 0x5b;
    await expect(read(badJson)).rejects.toThrow(/not valid JSON|not a JSON object/);
    /** A file with a hand-written header and 16 data bytes. */
    const withHeader = (header: object) => {
      const json = new TextEncoder().encode(JSON.stringify(header));
      const out = new Uint8Array(8 + json.length + 16);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      return out;
    };
    await expect(read(withHeader({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 12] } }))).rejects.toThrow(/needs 16/);
    await expect(read(withHeader({ w: { dtype: 'F8_E4M3', shape: [4], data_offsets: [0, 4] } }))).rejects.toMatchObject({ code: 'E_UNSUPPORTED_MODEL' });
    await expect(read(withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }))).rejects.toThrow(/overlap/);
  });
});

describe.skipIf(!have)('quantizing a float checkpoint while it loads', () => {
  it("F32 safetensors loaded with quantize: 'q8_0' computes exactly what llama.cpp's Q8_0 file does", async () => {
    const f32 = await readGguf(await fileSource(fixturePath('quant/q-F32.gguf')));
    const dir = await toHfFolder(f32, 1);
    await f32.source.close();
    const hf = await openHfCheckpoint(dir);
    const prompt = [1, 403, 407, 261, 378];
    const quantized = await (await LlamaModel.load(hf.tensors, hf.config, await jsBackend.create(), { contextSize: 8, quantize: 'q8_0' })).evaluate(prompt);
    const q8 = await readGguf(await fileSource(fixturePath('quant/q-Q8_0.gguf')));
    const reference = await (await loadGgufLlama(q8, await jsBackend.create(), { contextSize: 8 })).evaluate(prompt);
    await q8.source.close();
    let worst = 0;
    quantized.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - reference[i]!))));
    expect(worst).toBeLessThan(1e-4);
    await hf.close();
  });
});
