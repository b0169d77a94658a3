import { DTYPE_INFO, LlamitaError, type DType } from '@llamita/core';
import { Prng } from '@llamita/sampling';
import { quantize, QUANTIZABLE_DTYPES } from '@llamita/tensor';
import { ggufHeader, paddingFor, type GgufTensorLayout } from '../gguf/writer.js';
import type { GgufValue } from '../gguf/types.js';
import type { GgufFile } from '../gguf/reader.js';
import type { SyntheticShape } from './shapes.js';

/** What `make-model --dtype` accepts: a single weight type, or llama.cpp's Q4_K_M or Q5_K_M mix. */
export type SyntheticDType = DType | 'q4_k_m' | 'q5_k_m';

/** The k-quant mixes and their base type. */
const MIXES: Partial<Record<SyntheticDType, DType>> = { q4_k_m: 'q4_k', q5_k_m: 'q5_k' };

/** The k-quant fallback llama.cpp uses for rows that are not a multiple of 256 (convert_incompatible_tensor). */
const K_FALLBACK: Partial<Record<DType, DType>> = { q4_k: 'q5_0', q5_k: 'q5_1', q6_k: 'q8_0' };

/** llama.cpp's use_more_bits: the first and last eighth of the layers, and every third in between. */
const useMoreBits = (layer: number, layers: number): boolean => layer < Math.floor(layers / 8) || layer >= Math.floor((7 * layers) / 8) || (layer - Math.floor(layers / 8)) % 3 === 2;

/**
 * The type of one 2-D tensor: `dtype` itself, or for `q4_k_m`/`q5_k_m`
 * llama.cpp's choice (Q6_K for the output head and for attn_v / ffn_down in
 * use_more_bits layers, Q4_K/Q5_K elsewhere), with llama.cpp's fallbacks for short rows.
 */
function weightType(dtype: SyntheticDType, name: string, cols: number, layers: number): DType {
  const base = MIXES[dtype];
  let type = (base ?? dtype) as DType;
  if (base) {
    const layer = Number(/^blk\.(\d+)\./.exec(name)?.[1] ?? -1);
    if (name === 'output.weight' || ((name.endsWith('attn_v.weight') || name.endsWith('ffn_down.weight')) && useMoreBits(layer, layers))) type = 'q6_k';
  }
  if (cols % DTYPE_INFO[type].blockSize !== 0) type = K_FALLBACK[type] ?? 'f32';
  return cols % DTYPE_INFO[type].blockSize === 0 ? type : 'f32';
}

/** The Llama-family variants `make-model --arch` writes. */
export type SyntheticArch = 'llama' | 'llama3' | 'smollm2' | 'qwen2' | 'qwen3' | 'phi3';

/** How a variant's file differs from a Llama 2 one. */
export interface SyntheticArchLayout {
  /** `general.architecture`, and the prefix of its metadata keys. */
  readonly gguf: string;
  /** No output.weight: the head is the embedding table (SmolLM2, Llama 3.2 1B, Qwen3 0.6B). */
  readonly tied: boolean;
  /** attn_q_norm and attn_k_norm per head (Qwen3). */
  readonly qkNorm: boolean;
  /** attn_q.bias, attn_k.bias and attn_v.bias (Qwen2), drawn from [-0.5, 0.5]. */
  readonly qkvBias: boolean;
  /** attn_qkv and a 2·ffn ffn_up instead of separate q, k, v and gate (Phi-3). */
  readonly fused: boolean;
  /** Head size as a multiple of dim / heads, written as `key_length` (Qwen3-0.6B's heads are twice dim / heads). */
  readonly headScale: number;
  /** RoPE's base frequency. */
  readonly ropeTheta: number;
  /** A `rope_freqs.weight` of Llama 3.1's scaling (factor 32, as Llama 3.2; see {@link llama3RopeFactors}). */
  readonly ropeFreqs: boolean;
}

/**
 * The variants. Every one but `llama` draws its norm weights from [0.5, 1.5]
 * instead of 1, so a norm applied with the wrong weight (or none) shows in
 * the outputs; `llama` keeps 1 so its files stay byte for byte what they were.
 */
export const SYNTHETIC_ARCHS: Readonly<Record<SyntheticArch, SyntheticArchLayout>> = {
  llama: { gguf: 'llama', tied: false, qkNorm: false, qkvBias: false, fused: false, headScale: 1, ropeTheta: 10000, ropeFreqs: false },
  llama3: { gguf: 'llama', tied: true, qkNorm: false, qkvBias: false, fused: false, headScale: 1, ropeTheta: 500000, ropeFreqs: true },
  smollm2: { gguf: 'llama', tied: true, qkNorm: false, qkvBias: false, fused: false, headScale: 1, ropeTheta: 10000, ropeFreqs: false },
  qwen2: { gguf: 'qwen2', tied: true, qkNorm: false, qkvBias: true, fused: false, headScale: 1, ropeTheta: 10000, ropeFreqs: false },
  qwen3: { gguf: 'qwen3', tied: true, qkNorm: true, qkvBias: false, fused: false, headScale: 2, ropeTheta: 10000, ropeFreqs: false },
  phi3: { gguf: 'phi3', tied: false, qkNorm: false, qkvBias: false, fused: true, headScale: 1, ropeTheta: 10000, ropeFreqs: false },
};

/**
 * Llama 3.1's RoPE frequency factors for a head of `headDim` (as llama.cpp's
 * converter writes `rope_freqs.weight` from `rope_scaling`: factor 32, low and
 * high frequency factors 1 and 4, original context 8192, as Llama 3.2 1B):
 * 1 for pairs whose wavelength is under 8192 / 4, 32 over 8192, between them a
 * smooth blend. Each pair's angle is divided by its factor.
 */
export function llama3RopeFactors(headDim: number, theta: number): Float32Array {
  const [factor, low, high, original] = [32, 1, 4, 8192];
  return Float32Array.from({ length: headDim / 2 }, (_, i) => {
    const wavelength = (2 * Math.PI) / theta ** ((-2 * i) / headDim);
    if (wavelength < original / high) return 1;
    if (wavelength > original / low) return factor;
    const smooth = (original / wavelength - low) / (high - low);
    return 1 / ((1 - smooth) / factor + smooth);
  });
}

/** Options of {@link synthesizeLlama}. */
export interface SynthesizeOptions {
  /** The Llama-family variant (default `llama`). */
  readonly arch?: SyntheticArch;
  /** Model sizes. */
  readonly shape: SyntheticShape;
  /** Type of the 2-D weights (norms stay f32); rows that do not fit a block type fall back as llama.cpp does. */
  readonly dtype: SyntheticDType;
  /** Seed of the weights: same seed, same bytes. */
  readonly seed: number;
  /** A GGUF whose `tokenizer.*` metadata is copied (a vocabulary-only file is enough). */
  readonly vocab: GgufFile;
  /** Name written to `general.name`. */
  readonly name?: string;
}

/** A synthetic model: its header, then each tensor's bytes as they are generated. */
export interface SynthesizedModel {
  /** Header bytes (everything before the tensor data). */
  readonly header: Uint8Array;
  /** Total file size in bytes. */
  readonly totalBytes: number;
  /** Tensor data followed by its alignment padding, one tensor at a time. */
  chunks(): Generator<SynthesizedChunk>;
}

/** A piece of a synthesized file: a tensor's bytes, or the padding after them. */
export interface SynthesizedChunk {
  /** The tensor it belongs to. */
  readonly name: string;
  /** Bytes to append to the file. */
  readonly bytes: Uint8Array;
}

/**
 * Builds a Llama-family GGUF with seeded random weights (uniform, std
 * 1/sqrt(fan-in), 4/sqrt(fan-in) for the output head or a tied embedding
 * table; norms 1, or from [0.5, 1.5] for the variants other than `llama`)
 * and another file's vocabulary. Tensors are generated lazily, so a 1.1B model
 * is never held in memory whole.
 * @throws LlamitaError `E_DTYPE` for a dtype without a quantizer.
 */
export function synthesizeLlama(options: SynthesizeOptions): SynthesizedModel {
  const { shape: s, dtype, seed } = options;
  if (!MIXES[dtype] && !QUANTIZABLE_DTYPES.includes(dtype as DType))
    throw new LlamitaError('E_DTYPE', `cannot write ${dtype} weights (supported: ${QUANTIZABLE_DTYPES.join(', ')}, ${Object.keys(MIXES).join(', ')})`);
  const tokens = options.vocab.metadata.get('tokenizer.ggml.tokens')?.value as { items: readonly string[] } | undefined;
  if (!tokens) throw new LlamitaError('E_BAD_FILE', `${options.vocab.source.name} has no tokenizer.ggml.tokens`);
  const vocabSize = tokens.items.length;
  const arch = SYNTHETIC_ARCHS[options.arch ?? 'llama'];
  const hd = (s.dim / s.nHeads) * arch.headScale;
  const key = (k: string) => `${arch.gguf}.${k}`;

  const metadata = new Map<string, GgufValue>([
    ['general.architecture', { type: 'string', value: arch.gguf }],
    ['general.name', { type: 'string', value: options.name ?? `llamita synthetic ${s.dim}x${s.nLayers} seed ${seed}` }],
    [key('context_length'), { type: 'u32', value: s.contextLength }],
    [key('embedding_length'), { type: 'u32', value: s.dim }],
    [key('block_count'), { type: 'u32', value: s.nLayers }],
    [key('feed_forward_length'), { type: 'u32', value: s.ffnDim }],
    [key('rope.dimension_count'), { type: 'u32', value: hd }],
    [key('attention.head_count'), { type: 'u32', value: s.nHeads }],
    [key('attention.head_count_kv'), { type: 'u32', value: s.nKvHeads }],
    [key('attention.layer_norm_rms_epsilon'), { type: 'f32', value: 1e-5 }],
    [key('rope.freq_base'), { type: 'f32', value: arch.ropeTheta }],
    ...(arch.headScale !== 1
      ? ([
          [key('attention.key_length'), { type: 'u32', value: hd }],
          [key('attention.value_length'), { type: 'u32', value: hd }],
        ] as const)
      : []),
    ['general.alignment', { type: 'u32', value: 32 }],
  ]);
  for (const [key, value] of options.vocab.metadata) if (key.startsWith('tokenizer.')) metadata.set(key, value);

  const weight = (name: string, rows: number, cols: number): GgufTensorLayout => ({ name, dtype: weightType(dtype, name, cols, s.nLayers), shape: [rows, cols] });
  const norm = (name: string, size = s.dim): GgufTensorLayout => ({ name, dtype: 'f32', shape: [size] });
  const layout: GgufTensorLayout[] = [weight('token_embd.weight', vocabSize, s.dim)];
  for (let l = 0; l < s.nLayers; l++) {
    const b = `blk.${l}.`;
    const [q, kv] = [s.nHeads * hd, s.nKvHeads * hd];
    layout.push(
      norm(`${b}attn_norm.weight`),
      ...(arch.fused ? [weight(`${b}attn_qkv.weight`, q + 2 * kv, s.dim)] : [weight(`${b}attn_q.weight`, q, s.dim), weight(`${b}attn_k.weight`, kv, s.dim), weight(`${b}attn_v.weight`, kv, s.dim)]),
      ...(arch.qkvBias ? [norm(`${b}attn_q.bias`, q), norm(`${b}attn_k.bias`, kv), norm(`${b}attn_v.bias`, kv)] : []),
      ...(arch.qkNorm ? [norm(`${b}attn_q_norm.weight`, hd), norm(`${b}attn_k_norm.weight`, hd)] : []),
      weight(`${b}attn_output.weight`, s.dim, q),
      norm(`${b}ffn_norm.weight`),
      ...(arch.fused ? [weight(`${b}ffn_up.weight`, 2 * s.ffnDim, s.dim)] : [weight(`${b}ffn_gate.weight`, s.ffnDim, s.dim), weight(`${b}ffn_up.weight`, s.ffnDim, s.dim)]),
      weight(`${b}ffn_down.weight`, s.dim, s.ffnDim),
    );
  }
  layout.push(norm('output_norm.weight'), ...(arch.tied ? [] : [weight('output.weight', vocabSize, s.dim)]), ...(arch.ropeFreqs ? [norm('rope_freqs.weight', hd / 2)] : []));
  const head = arch.tied ? 'token_embd.weight' : 'output.weight';
  const normSpread = arch === SYNTHETIC_ARCHS.llama ? 0 : 0.5;

  const { header, alignment } = ggufHeader(metadata, layout);
  const sizes = layout.map((t) => {
    const { blockSize, blockBytes } = DTYPE_INFO[t.dtype];
    return (t.shape.reduce((a, b) => a * b, 1) / blockSize) * blockBytes;
  });
  const totalBytes = header.length + sizes.reduce((sum, n) => sum + n + paddingFor(n, alignment), 0);

  return {
    header,
    totalBytes,
    *chunks() {
      const rng = new Prng(seed);
      for (const [i, t] of layout.entries()) {
        const count = t.shape.reduce((a, b) => a * b, 1);
        const values = new Float32Array(count);
        // std 1/sqrt(fan-in) keeps activations of unit scale through the blocks; the
        // output head's 4x spreads logits by a few units, so a random model still
        // has clear winners and greedy paths are not decided by rounding noise.
        const std = (t.name === head ? 4 : 1) / Math.sqrt(t.shape[t.shape.length - 1]!);
        const amplitude = std * Math.sqrt(3); // uniform(-a, a) has std a/sqrt(3)
        if (t.name === 'rope_freqs.weight') values.set(llama3RopeFactors(hd, arch.ropeTheta));
        else if (t.name.endsWith('.bias')) for (let j = 0; j < count; j++) values[j] = rng.next() - 0.5;
        else if (t.shape.length === 1) for (let j = 0; j < count; j++) values[j] = normSpread ? 1 + normSpread * (2 * rng.next() - 1) : 1;
        else for (let j = 0; j < count; j++) values[j] = amplitude * (2 * rng.next() - 1);
        const bytes = quantize(t.dtype, values);
        yield { name: t.name, bytes };
        const pad = paddingFor(sizes[i]!, alignment);
        if (pad) yield { name: t.name, bytes: new Uint8Array(pad) };
      }
    },
  };
}
