import { describe, expect, it } from 'vitest';
import { llamaConfigFromHf } from './hf-llama.js';

/** A Llama config.json as Hugging Face's transformers writes it (TinyLlama-1.1B's fields), with `changes` merged in. */
const config = (changes: Record<string, unknown> = {}) =>
  JSON.stringify({
    model_type: 'llama',
    hidden_size: 2048,
    intermediate_size: 5632,
    num_hidden_layers: 22,
    num_attention_heads: 32,
    num_key_value_heads: 4,
    vocab_size: 32000,
    max_position_embeddings: 2048,
    rope_theta: 10000,
    rms_norm_eps: 1e-5,
    attention_bias: false,
    mlp_bias: false,
    rope_scaling: null,
    ...changes,
  });

describe('llamaConfigFromHf', () => {
  it("reads TinyLlama's config", () => {
    expect(llamaConfigFromHf(config())).toMatchObject({ dim: 2048, ffnDim: 5632, nLayers: 22, nHeads: 32, nKvHeads: 4, headDim: 64, vocabSize: 32000, ropeMode: 'half' });
  });

  it('reads Qwen2’s biases and Qwen3’s q/k norms and head size from model_type', () => {
    expect(llamaConfigFromHf(config({ model_type: 'qwen2', attention_bias: true }))).toMatchObject({ qkvBias: true, qkNorm: false, ropeMode: 'half' });
    expect(llamaConfigFromHf(config({ model_type: 'qwen3', head_dim: 128 }))).toMatchObject({ qkvBias: false, qkNorm: true, headDim: 128 });
  });

  it.each([
    ['another architecture', { model_type: 'gemma2' }, /model_type "gemma2" is not supported \(llama, qwen2, qwen3\)/],
    ["Llama 3's RoPE scaling", { rope_scaling: { rope_type: 'llama3', factor: 32 } }, /rope_scaling is not supported/],
    ['biases on the attention projections', { attention_bias: true }, /attention_bias is not supported/],
    ['biases on the MLP', { mlp_bias: true }, /mlp_bias is not supported/],
  ])('refuses %s with E_UNSUPPORTED_MODEL naming it', (_what, changes, message) => {
    expect(() => llamaConfigFromHf(config(changes))).toThrow(expect.objectContaining({ code: 'E_UNSUPPORTED_MODEL', message: expect.stringMatching(message) }));
  });
});
