/**
 * The op set in plain TypeScript, written to be read, rounded where llama.cpp's
 * x86 CPU kernels round (the `llama-cpp-x86/` layer, ADR 0006): the js
 * backend, and the fallback kernels of the wasm backend. The ops' definition
 * is their math, whose executable spec is the float64 references in
 * @llamita/testkit that every backend is checked against (ADR 0008). Each
 * kernel takes typed-array views and sizes; the backend class resolves
 * tensors to views.
 */
import type { DType } from '@llamita/core';
import { Scratch, f32ToF16, ropeCosSin, roundTripActivation, type ActivationType } from '@llamita/tensor';
import { checkPosition, expF32, f32, ggmlVectorExp, hsum8, reduceAdd16 } from './llama-cpp-x86/index.js';
export { attentionF16Cache } from './llama-cpp-x86/index.js';

/** Weight rows decoded on demand: row r of a `[n, k]` weight as f32. */
export type RowReader = (row: number, out: Float32Array) => void;

/** out[i,:] = table[ids[i],:] — table `[vocab, dim]` via `readRow`, ids `[m]`, out `[m, dim]`. */
export function embedding(readRow: RowReader, vocab: number, dim: number, ids: Int32Array, out: Float32Array): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= vocab) throw new RangeError(`token id ${id} is outside the vocabulary [0, ${vocab})`);
    readRow(id, out.subarray(i * dim, (i + 1) * dim));
  }
}

/**
 * RMSNorm per row — x `[m, n]`, weight `[n]`, out `[m, n]`. Rounded step by
 * step as ggml_compute_forward_rms_norm_f32 does: each square in f32, summed
 * in f64; mean, eps and 1/sqrt each rounded to f32; then x·scale and ·weight
 * each rounded. (Rounding once from f64 instead moves the input of the next
 * quantized matmul by an ulp, enough to flip an 8-bit rounding there.)
 */
export function rmsNorm(x: Float32Array, weight: Float32Array, eps: number, m: number, n: number, out: Float32Array): void {
  const eps32 = f32(eps);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    let ss = 0;
    for (let j = 0; j < n; j++) ss += f32(x[row + j]! * x[row + j]!);
    const scale = f32(1 / f32(Math.sqrt(f32(f32(ss / n) + eps32))));
    for (let j = 0; j < n; j++) out[row + j] = f32(x[row + j]! * scale) * weight[j]!;
  }
}

/**
 * How one output of a matmul is summed, which decides where it rounds to f32
 * (an ulp there can flip the 8-bit rounding of the next quantized matmul's
 * input, so the order is llama.cpp's, from its x86 kernels):
 * - `exact`: in f64, rounded once at the end (bf16, Q4_1, Q5_1, Q2_K, Q3_K: their
 *   llama.cpp orders are not reproduced yet; Q4_K/Q5_K/Q6_K go through kquant-dot.ts);
 * - `lanes8`: eight f32 lanes, lane l taking elements 4l..4l+3 of every
 *   32-block (each block's share added with one rounding, as its fused
 *   multiply-add does), then summed as hsum_float_8 does (ggml_vec_dot_q8_0_q8_0
 *   and llamafile's tinyBLAS_Q0_AVX: Q8_0, Q5_0, Q4_0 rows not in groups of 8);
 * - `blocks`: one f32 accumulator taking each 32-block's sum in turn (the
 *   repacked Q4_0 8x8 kernels, used for weights with rows in groups of 8);
 * - `lanes16`: sixteen f32 lanes, lane l taking elements l mod 16, reduced as
 *   _mm512_reduce_add_ps does (llamafile's AVX-512 tinyBLAS for F32 and F16 weights).
 */
export type Accumulation = 'exact' | 'lanes8' | 'blocks' | 'lanes16';

/** The summation order llama.cpp's CPU kernels use for `dtype` weights with `rows` rows of `k` elements. */
export function accumulationFor(dtype: DType, rows: number, k: number): Accumulation {
  if (dtype === 'q4_0') return rows % 8 === 0 ? 'blocks' : 'lanes8';
  if (dtype === 'f16' || dtype === 'f32') return k % 16 === 0 ? 'lanes16' : 'exact';
  return dtype === 'q8_0' || dtype === 'q5_0' ? 'lanes8' : 'exact';
}

// Temporaries reused from call to call (each kernel takes its own, and none calls another).
const CONVERTED_ROWS = new Scratch((n) => new Float32Array(n));
const WEIGHT_ROW = new Scratch((n) => new Float32Array(n));
const ROPE_COS = new Scratch((n) => new Float64Array(n));
const ROPE_SIN = new Scratch((n) => new Float64Array(n));
const SCORES = new Scratch((n) => new Float64Array(n));
const LANES8 = new Float64Array(8);
const LANES16 = new Float64Array(16);

/**
 * One output: out[o] = Σ x[t]·w[t] over k (a multiple of 32 for the block orders, of 16 for `lanes16`), summed as `accumulation` says.
 * Products are exact in f64. It stores rather than returns its sum: a double returned from a call V8 does not inline is boxed, one
 * heap number per output of every matmul.
 */
function dotInto(out: Float32Array, o: number, x: Float32Array, xo: number, w: Float32Array, k: number, accumulation: Accumulation): void {
  if (accumulation === 'exact') {
    let acc = 0;
    for (let t = 0; t < k; t++) acc += x[xo + t]! * w[t]!;
    out[o] = acc;
    return;
  }
  if (accumulation === 'lanes16') {
    const lanes = LANES16.fill(0);
    // the product is exact in f64, so each step rounds once, as the fused multiply-add does
    for (let t = 0; t < k; t++) lanes[t & 15] = f32(lanes[t & 15]! + x[xo + t]! * w[t]!);
    out[o] = reduceAdd16(lanes, 0);
    return;
  }
  if (accumulation === 'blocks') {
    let acc = 0;
    for (let b = 0; b < k; b += 32) {
      let block = 0;
      for (let t = b; t < b + 32; t++) block += x[xo + t]! * w[t]!;
      acc = f32(acc + block);
    }
    out[o] = acc;
    return;
  }
  const lanes = LANES8.fill(0);
  for (let b = 0; b < k; b += 32) {
    for (let l = 0; l < 8; l++) {
      const t = b + 4 * l;
      const share = x[xo + t]! * w[t]! + x[xo + t + 1]! * w[t + 1]! + x[xo + t + 2]! * w[t + 2]! + x[xo + t + 3]! * w[t + 3]!;
      lanes[l] = f32(lanes[l]! + share);
    }
  }
  out[o] = hsum8(lanes);
}

/**
 * out = x · wᵀ — x `[m, k]`, w `[n, k]` read row by row, out `[m, n]`.
 * Each x row first goes through the activation conversion llama.cpp applies for this weight type.
 */
export function matmul(x: Float32Array, readRow: RowReader, activation: ActivationType, accumulation: Accumulation, m: number, k: number, n: number, out: Float32Array): void {
  const xq = CONVERTED_ROWS.take(m * k);
  xq.set(x.subarray(0, m * k));
  if (activation !== 'f32') for (let i = 0; i < m; i++) roundTripActivation(xq.subarray(i * k, (i + 1) * k), activation);
  const wRow = WEIGHT_ROW.take(k);
  for (let j = 0; j < n; j++) {
    readRow(j, wRow);
    for (let i = 0; i < m; i++) dotInto(out, i * n + j, xq, i * k, wRow, k, accumulation);
  }
}

/**
 * Rotary embedding — x `[m, heads, headDim]`, positions `[m]`.
 * 'adjacent' rotates (2i, 2i+1); 'half' rotates (i, i + headDim/2). Angle = pos * theta^(-2i/headDim),
 * from `ropeCosSin` (@llamita/tensor); each rotated value is one product rounded and one fused into the sum,
 * as GCC compiles ggml's `x0*cos - x1*sin`. `factors` divide each pair's angle (Llama 3's rope_freqs).
 */
export function rope(x: Float32Array, positions: Int32Array, theta: number, mode: 'adjacent' | 'half', m: number, heads: number, headDim: number, out: Float32Array, factors?: Float32Array): void {
  const halfDim = headDim / 2;
  // the angles depend on the position and pair only: computed once per token, shared by its heads
  const cos = ROPE_COS.take(halfDim);
  const sin = ROPE_SIN.take(halfDim);
  for (let t = 0; t < m; t++) {
    ropeCosSin(positions[t]!, theta, headDim, cos, sin, factors);
    for (let h = 0; h < heads; h++) {
      const base = (t * heads + h) * headDim;
      for (let i = 0; i < halfDim; i++) {
        const a = mode === 'adjacent' ? base + 2 * i : base + i;
        const b = mode === 'adjacent' ? a + 1 : a + halfDim;
        const x0 = x[a]!;
        const x1 = x[b]!;
        out[a] = x0 * cos[i]! - f32(x1 * sin[i]!);
        out[b] = x0 * sin[i]! + f32(x1 * cos[i]!);
      }
    }
  }
}

/**
 * Causal grouped-query attention over an f32 cache — q `[m, nHead, hd]`, k/v `[ctx, nKv, hd]`,
 * positions `[m]`, out `[m, nHead*hd]`. Query t attends to cache rows 0..positions[t];
 * head h reads kv head h / (nHead/nKv). Plain softmax, accumulated in f64.
 */
export function attention(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  positions: Int32Array,
  scale: number,
  m: number,
  nHead: number,
  nKv: number,
  hd: number,
  ctx: number,
  out: Float32Array,
): void {
  const group = nHead / nKv;
  for (let t = 0; t < m; t++) {
    const last = checkPosition(positions[t]!, ctx);
    const scores = SCORES.take(last + 1);
    for (let h = 0; h < nHead; h++) {
      const qo = (t * nHead + h) * hd;
      const kvh = Math.floor(h / group);
      // scores = q · k * scale, then softmax
      let max = -Infinity;
      for (let p = 0; p <= last; p++) {
        const ko = (p * nKv + kvh) * hd;
        let s = 0;
        for (let i = 0; i < hd; i++) s += q[qo + i]! * k[ko + i]!;
        scores[p] = s * scale;
        if (scores[p]! > max) max = scores[p]!;
      }
      let sum = 0;
      for (let p = 0; p <= last; p++) {
        scores[p] = Math.exp(scores[p]! - max);
        sum += scores[p]!;
      }
      // out = Σ softmax · v
      const oo = t * nHead * hd + h * hd;
      for (let i = 0; i < hd; i++) {
        let acc = 0;
        for (let p = 0; p <= last; p++) acc += scores[p]! * v[(p * nKv + kvh) * hd + i]!;
        out[oo + i] = acc / sum;
      }
    }
  }
}

/**
 * out = silu(gate) * up, elementwise, with llama.cpp's exponential: ggml's
 * vector expf (ggml_v_expf, reproduced in ggml-float.ts) on whole groups of 16, libm's expf
 * on the rest, as ggml_vec_swiglu_f32 does with AVX-512.
 */
export function swiglu(gate: Float32Array, up: Float32Array, out: Float32Array): void {
  const vectorEnd = gate.length - (gate.length % 16);
  for (let i = 0; i < gate.length; i++) {
    const g = gate[i]!;
    const e = i < vectorEnd ? ggmlVectorExp(f32(-g)) : expF32(f32(-g));
    out[i] = f32(g / f32(1 + e)) * up[i]!;
  }
}

/** out = a + b, elementwise. */
export function add(a: Float32Array, b: Float32Array, out: Float32Array): void {
  // b is a's size, or one row added to each row of a
  for (let row = 0; row < a.length; row += b.length) for (let i = 0; i < b.length; i++) out[row + i] = a[row + i]! + b[i]!;
}

/** dst[rows[i], :] = src[i, :] — src `[m, w]`, dst `[r, w]` (f32, or f16 bits: rounded to nearest even). */
export function copyRows(src: Float32Array, dst: Float32Array | Uint16Array, rows: Int32Array, width: number, dstRows: number): void {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r < 0 || r >= dstRows) throw new RangeError(`row ${r} is outside the destination [0, ${dstRows})`);
    const row = src.subarray(i * width, (i + 1) * width);
    if (dst instanceof Float32Array) dst.set(row, r * width);
    else for (let j = 0; j < width; j++) dst[r * width + j] = f32ToF16(row[j]!);
  }
}

/** out[i] = index of the largest x[i, :] (first on ties) — x `[m, n]`, out `[m]`. */
export function argmax(x: Float32Array, m: number, n: number, out: Int32Array): void {
  for (let i = 0; i < m; i++) {
    let best = 0;
    for (let j = 1; j < n; j++) if (x[i * n + j]! > x[i * n + best]!) best = j;
    out[i] = best;
  }
}
