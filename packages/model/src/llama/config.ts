import { LlamitaError } from '@llamita/core';

/** Hyperparameters of a Llama-family model. */
export interface LlamaConfig {
  /** Hidden size (`n_embd`). */
  readonly dim: number;
  /** Feed-forward inner size. */
  readonly ffnDim: number;
  /** Transformer blocks. */
  readonly nLayers: number;
  /** Query heads. */
  readonly nHeads: number;
  /** Key/value heads (grouped-query attention when fewer than nHeads). */
  readonly nKvHeads: number;
  /** Size of one head: usually dim / nHeads (Qwen3's are wider). */
  readonly headDim: number;
  /** Vocabulary size (rows of the embedding table). */
  readonly vocabSize: number;
  /** Context length the model was trained with. */
  readonly contextLength: number;
  /** RoPE base frequency. */
  readonly ropeTheta: number;
  /** RMSNorm epsilon. */
  readonly normEps: number;
  /**
   * RoPE pairing of the Q/K weights as stored: GGUF files from llama.cpp's
   * converter are permuted for `adjacent` pairs; Hugging Face checkpoints use `half`.
   */
  readonly ropeMode: 'adjacent' | 'half';
  /** RMSNorm over each head of q and k before RoPE, with weights `attn_q_norm` / `attn_k_norm` of headDim (Qwen3). Default false. */
  readonly qkNorm?: boolean;
  /** Biases added to q, k and v after their projections, `attn_q.bias` [nHeads*hd] ... (Qwen2). Default false. */
  readonly qkvBias?: boolean;
  /** RoPE frequency factors `rope_freqs.weight` f32 [headDim/2] divide each pair's angle (Llama 3.1, 3.2). Default false. */
  readonly ropeFreqFactors?: boolean;
}

/** Checks a config's internal consistency. */
export function checkConfig(c: LlamaConfig, source: string): LlamaConfig {
  const positive = ['dim', 'ffnDim', 'nLayers', 'nHeads', 'nKvHeads', 'vocabSize', 'contextLength'] as const;
  for (const key of positive) {
    if (!Number.isSafeInteger(c[key]) || c[key] <= 0 || c[key] > 1 << 24) throw new LlamitaError('E_BAD_FILE', `${source}: ${key} is ${c[key]}`, { key });
  }
  if (!Number.isSafeInteger(c.headDim) || c.headDim <= 0 || c.headDim > 1 << 16) throw new LlamitaError('E_BAD_FILE', `${source}: head size is ${c.headDim}`, { key: 'headDim' });
  if (c.nHeads % c.nKvHeads !== 0) throw new LlamitaError('E_BAD_FILE', `${source}: ${c.nHeads} heads are not a multiple of ${c.nKvHeads} kv heads`);
  if (c.headDim % 2 !== 0) throw new LlamitaError('E_BAD_FILE', `${source}: head size ${c.headDim} is odd; RoPE needs pairs`);
  if (!(c.ropeTheta > 0) || !(c.normEps >= 0)) throw new LlamitaError('E_BAD_FILE', `${source}: bad rope theta ${c.ropeTheta} or norm eps ${c.normEps}`);
  return c;
}
