import { LlamitaError } from '@llamita/core';
import { metaNumber, metaString } from '../gguf/metadata.js';
import type { GgufFile } from '../gguf/reader.js';

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
  /** Size of one head: dim / nHeads. */
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
}

/** Checks a config's internal consistency. */
export function checkConfig(c: LlamaConfig, source: string): LlamaConfig {
  const positive = ['dim', 'ffnDim', 'nLayers', 'nHeads', 'nKvHeads', 'vocabSize', 'contextLength'] as const;
  for (const key of positive) {
    if (!Number.isSafeInteger(c[key]) || c[key] <= 0 || c[key] > 1 << 24) throw new LlamitaError('E_BAD_FILE', `${source}: ${key} is ${c[key]}`, { key });
  }
  if (c.dim % c.nHeads !== 0) throw new LlamitaError('E_BAD_FILE', `${source}: dim ${c.dim} is not divisible by ${c.nHeads} heads`);
  if (c.nHeads % c.nKvHeads !== 0) throw new LlamitaError('E_BAD_FILE', `${source}: ${c.nHeads} heads are not a multiple of ${c.nKvHeads} kv heads`);
  if (c.headDim % 2 !== 0) throw new LlamitaError('E_BAD_FILE', `${source}: head size ${c.headDim} is odd; RoPE needs pairs`);
  if (!(c.ropeTheta > 0) || !(c.normEps >= 0)) throw new LlamitaError('E_BAD_FILE', `${source}: bad rope theta ${c.ropeTheta} or norm eps ${c.normEps}`);
  return c;
}

/**
 * Reads the Llama config from GGUF metadata (`llama.*` keys).
 * @throws LlamitaError `E_UNSUPPORTED_MODEL` for another architecture or a missing key.
 */
export function llamaConfigFromGguf(file: GgufFile): LlamaConfig {
  const arch = metaString(file, 'general.architecture');
  if (arch !== 'llama') throw new LlamitaError('E_UNSUPPORTED_MODEL', `${file.source.name}: architecture "${arch}" is not supported (only llama)`, { architecture: arch });
  const embd = file.tensors.find((t) => t.name === 'token_embd.weight');
  if (!embd) throw new LlamitaError('E_UNSUPPORTED_MODEL', `${file.source.name}: tensor token_embd.weight is missing`, { tensor: 'token_embd.weight' });
  const dim = metaNumber(file, 'llama.embedding_length');
  const nHeads = metaNumber(file, 'llama.attention.head_count');
  const headDim = dim / nHeads;
  const ropeDims = metaNumber(file, 'llama.rope.dimension_count', headDim);
  if (ropeDims !== headDim) throw new LlamitaError('E_UNSUPPORTED_MODEL', `${file.source.name}: partial RoPE (${ropeDims} of ${headDim} dims) is not supported`);
  return checkConfig(
    {
      dim,
      ffnDim: metaNumber(file, 'llama.feed_forward_length'),
      nLayers: metaNumber(file, 'llama.block_count'),
      nHeads,
      nKvHeads: metaNumber(file, 'llama.attention.head_count_kv', nHeads),
      headDim,
      vocabSize: embd.shape[0]!,
      contextLength: metaNumber(file, 'llama.context_length', 2048),
      ropeTheta: metaNumber(file, 'llama.rope.freq_base', 10000),
      normEps: metaNumber(file, 'llama.attention.layer_norm_rms_epsilon', 1e-5),
      ropeMode: 'adjacent',
    },
    file.source.name,
  );
}
