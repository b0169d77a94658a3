import type { Tensor } from './tensor.js';

/**
 * The closed op set of contract version {@link CONTRACT_VERSION}: the fused,
 * model-level operations Llama inference needs. Every activation is f32; only
 * weights (matmul `w`, embedding `table`) take other dtypes. Shapes are given
 * outermost first; `m` is the number of tokens in the batch.
 *
 * Adding or changing an op is a change of the contract and bumps the version.
 */
export type Op = EmbeddingOp | RmsNormOp | MatmulOp | RopeOp | AttentionOp | SwigluOp | AddOp | CopyOp | ArgmaxOp | SampleOp;

/** Name of an op of the set. */
export type OpName = Op['op'];

/** Every op name, in a stable order. */
export const OP_NAMES: readonly OpName[] = ['embedding', 'rms_norm', 'matmul', 'rope', 'attention', 'swiglu', 'add', 'copy', 'argmax', 'sample'];

/**
 * A graph: ops run in order; later ops see earlier ops' outputs.
 *
 * Aliasing rule (contract v2): no op's output overlaps any of its inputs'
 * bytes. Graphs that update a tensor (the residual stream) write into another
 * tensor and alternate between the two. `validateGraph` refuses overlaps, so
 * no backend needs a scratch copy to be safe (WebGPU forbids a buffer bound
 * for reading and writing in one dispatch anyway).
 */
export type Graph = readonly Op[];

/** Version of the op set and the Backend interface. */
export const CONTRACT_VERSION = 2;

/** `out[i, :] = table[ids[i], :]`, dequantized to f32. table `[vocab, dim]` (any weight dtype), ids i32 `[m]`, out f32 `[m, dim]`. */
export interface EmbeddingOp {
  /** Op name. */
  readonly op: 'embedding';
  /** Embedding table `[vocab, dim]`, any weight dtype. */
  readonly table: Tensor;
  /** Token ids, i32 `[m]`. */
  readonly ids: Tensor;
  /** f32 `[m, dim]`. */
  readonly out: Tensor;
}

/** `out = x / sqrt(mean(x^2) + eps) * weight` per row. x f32 `[m, n]`, weight f32 `[n]`, out f32 `[m, n]`. */
export interface RmsNormOp {
  /** Op name. */
  readonly op: 'rms_norm';
  /** Input, f32 `[m, n]`. */
  readonly x: Tensor;
  /** Scale, f32 `[n]`. */
  readonly weight: Tensor;
  /** Added to the mean square before the square root. */
  readonly eps: number;
  /** f32 `[m, n]`. */
  readonly out: Tensor;
}

/**
 * `out = x · wᵀ` (ggml's mul_mat): x f32 `[m, k]`, w `[n, k]` of any weight dtype, out f32 `[m, n]`.
 *
 * With a block-quantized `w`, each row of `x` is first quantized to the weight
 * type's 8-bit partner (Q8_0 for q4_0/q5_0/q8_0, Q8_1 for q4_1/q5_1, Q8_K for
 * the k-quants) and the dot products run against those blocks: that is part
 * of the op (it is what llama.cpp computes). How the sums are ordered and
 * rounded is not: a backend states it in `info.numerics` (js and wasm follow
 * llama.cpp's x86 orders, ADR 0006).
 */
export interface MatmulOp {
  /** Op name. */
  readonly op: 'matmul';
  /** Activations, f32 `[m, k]`. */
  readonly x: Tensor;
  /** Weights `[n, k]`, any weight dtype. */
  readonly w: Tensor;
  /** f32 `[m, n]`. */
  readonly out: Tensor;
}

/**
 * Rotary position embedding. x f32 `[m, heads, headDim]`, positions i32 `[m]`, out like x.
 * `mode: 'adjacent'` rotates pairs (2i, 2i+1) (llama.cpp's LLAMA_ROPE_TYPE_NORM, GGUF Llama files);
 * `'half'` rotates pairs (i, i + headDim/2) (NeoX / Hugging Face layout).
 */
export interface RopeOp {
  /** Op name. */
  readonly op: 'rope';
  /** Input, f32 `[m, heads, headDim]`. */
  readonly x: Tensor;
  /** Position of each token, i32 `[m]`. */
  readonly positions: Tensor;
  /** Base frequency (10000 for Llama 2). */
  readonly theta: number;
  /** Which elements form a rotated pair. */
  readonly mode: 'adjacent' | 'half';
  /**
   * Frequency factors, f32 `[headDim / 2]`, one per pair: pair i's angle is
   * divided by factor i (Llama 3.1/3.2's `rope_freqs.weight`, as ggml_rope_ext
   * takes it).
   */
  readonly freqFactors?: Tensor;
  /** f32, shaped like x. */
  readonly out: Tensor;
}

/**
 * Causal grouped-query attention over a KV cache.
 * q f32 `[m, nHead, headDim]`; k, v `[ctx, nKvHead, headDim]` (the cache), both f32 or both f16;
 * positions i32 `[m]`: query i attends to cache rows `0..positions[i]` inclusive;
 * query head h reads KV head `floor(h / (nHead / nKvHead))`. out f32 `[m, nHead * headDim]`.
 *
 * With an f16 cache the cache holds f16 values and q is rounded to f16 for
 * q·k (part of the op, as in llama.cpp's flash attention, its default); the
 * softmax's and the V sum's precision and order belong to the backend's
 * `info.numerics` (js and wasm: llama.cpp's online softmax with an f16
 * accumulator). With an f32 cache, an exact softmax.
 */
export interface AttentionOp {
  /** Op name. */
  readonly op: 'attention';
  /** Queries, f32 `[m, nHead, headDim]`. */
  readonly q: Tensor;
  /** Key cache `[ctx, nKvHead, headDim]`. */
  readonly k: Tensor;
  /** Value cache `[ctx, nKvHead, headDim]`. */
  readonly v: Tensor;
  /** Position of each query, i32 `[m]`. */
  readonly positions: Tensor;
  /** Score scale, usually `1/sqrt(headDim)`. */
  readonly scale: number;
  /** f32 `[m, nHead * headDim]`. */
  readonly out: Tensor;
}

/** `out = silu(gate) * up`. gate, up, out f32 `[m, n]`. */
export interface SwigluOp {
  /** Op name. */
  readonly op: 'swiglu';
  /** Gate projection, f32 `[m, n]`. */
  readonly gate: Tensor;
  /** Up projection, f32 `[m, n]`. */
  readonly up: Tensor;
  /** f32 `[m, n]`. */
  readonly out: Tensor;
}

/**
 * `out = a + b`, elementwise. a, out f32 of one shape; b f32 of that shape, or
 * `[n]` when a is `[m, n]`: added to every row (a bias, as ggml_add broadcasts it).
 */
export interface AddOp {
  /** Op name. */
  readonly op: 'add';
  /** First addend. */
  readonly a: Tensor;
  /** Second addend: a's shape, or `[n]` for a `[m, n]` a (one row added to each). */
  readonly b: Tensor;
  /** Sum. */
  readonly out: Tensor;
}

/**
 * Row copy. src f32 `[m, w]`; dst `[rows, w]`, f32 or f16 (rounded to nearest even).
 * With `rows` (i32 `[m]`): `dst[rows[i], :] = src[i, :]` (how K and V enter the cache).
 * Without: dst has src's shape and receives it whole.
 */
export interface CopyOp {
  /** Op name. */
  readonly op: 'copy';
  /** Rows to copy, f32 `[m, w]`. */
  readonly src: Tensor;
  /** Destination `[rows, w]`. */
  readonly dst: Tensor;
  /** Destination row of each source row, i32 `[m]`. */
  readonly rows?: Tensor;
}

/** Index of the largest value of each row (the first on ties). x f32 `[m, n]`, out i32 `[m]`. */
export interface ArgmaxOp {
  /** Op name. */
  readonly op: 'argmax';
  /** Values, f32 `[m, n]`. */
  readonly x: Tensor;
  /** Index of each row's maximum, i32 `[m]`. */
  readonly out: Tensor;
}

/**
 * Draws one token id per row from `logits` [m, n] f32, as `@llamita/sampling`'s
 * chain does with these links and no others, in llama.cpp's order: top-k, top-p,
 * min-p, temperature, then a draw from the softmax (temperature 0: the argmax,
 * first on ties). `random` i32 `[m]` holds one 32-bit draw per row, read as
 * unsigned: the uniform is `random[i] / 2^32` (what `Prng.next()` gives for
 * `Prng.nextU32()`), so a GPU backend can sample and read back only the ids.
 * out i32 `[m]`.
 */
export interface SampleOp {
  /** Op name. */
  readonly op: 'sample';
  /** Logits, f32 `[m, n]`. */
  readonly logits: Tensor;
  /** One 32-bit draw per row, i32 `[m]` (read as unsigned). */
  readonly random: Tensor;
  /** Keep the k most likely tokens; 0 keeps all. */
  readonly topK: number;
  /** Keep the smallest prefix whose probability reaches topP; 1 keeps all. */
  readonly topP: number;
  /** Drop tokens below minP times the top probability; 0 keeps all. */
  readonly minP: number;
  /** Divides the logits before the draw; 0 picks the argmax. */
  readonly temperature: number;
  /** The drawn id of each row, i32 `[m]`. */
  readonly out: Tensor;
}
