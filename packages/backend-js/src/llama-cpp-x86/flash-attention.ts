/**
 * Attention over an f16 KV cache as llama.cpp's CPU flash attention computes
 * it (ggml_compute_forward_flash_attn_ext_f16), rounding for rounding. It has
 * two algorithms, picked by the batch: fewer than 64 query rows go one KV row
 * at a time with an f16 accumulator; 64 or more go through its tiled kernel
 * (f32 throughout, 64 KV rows per tile).
 * Shapes: q `[m, nHead, hd]` f32; k/v `[ctx, nKv, hd]` f16 bits; positions `[m]`; out `[m, nHead·hd]`.
 * Query t attends to cache rows 0..positions[t]; head h reads KV head h / (nHead/nKv).
 */
import { Scratch } from '@llamita/tensor';
import { expF32, F16_VALUES, f32, fmaF32, ggmlVectorExp, reduceAdd16, toF16 } from './ggml-float.js';

/** `pos` if it lies in the cache [0, ctx); a RangeError otherwise. */
export function checkPosition(pos: number, ctx: number): number {
  if (pos < 0 || pos >= ctx) throw new RangeError(`position ${pos} is outside the cache [0, ${ctx})`);
  return pos;
}

/** Query rows from which llama.cpp takes its tiled kernel (GGML_FA_TILE_Q), and its KV tile (GGML_FA_TILE_KV). */
const TILE = 64;

/** See the module comment. `scale` is rounded to f32, as llama.cpp's op parameter is. */
export function attentionF16Cache(
  q: Float32Array,
  k: Uint16Array,
  v: Uint16Array,
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
  const tiled = m >= TILE && hd % 16 === 0;
  // one row description, re-aimed per (token, head): an object per head would be churn
  const row: Row = { q, qo: 0, k, v, kvStride: nKv * hd, kvo: 0, hd, last: 0, scale: f32(scale) };
  for (let t = 0; t < m; t++) {
    row.last = checkPosition(positions[t]!, ctx);
    for (let h = 0; h < nHead; h++) {
      row.qo = (t * nHead + h) * hd;
      row.kvo = Math.floor(h / group) * hd;
      if (tiled) tiledRow(row, out, row.qo);
      else oneByOneRow(row, out, row.qo);
    }
  }
}

/** One query row's view of the cache; each kernel below writes the row's `hd` outputs at `out[oo]`. */
interface Row {
  readonly q: Float32Array;
  qo: number;
  readonly k: Uint16Array;
  readonly v: Uint16Array;
  /** Elements between cache rows, and this KV head's offset in a row. */
  readonly kvStride: number;
  kvo: number;
  readonly hd: number;
  /** Last visible cache row. */
  last: number;
  readonly scale: number;
}

/**
 * ggml_compute_forward_flash_attn_ext_f16_one_chunk: q rounded to f16, each
 * score by ggml_vec_dot_f16, an online softmax with a running max, the
 * weighted sum of V in an f16 accumulator.
 */
function oneByOneRow(r: Row, out: Float32Array, oo: number): void {
  const q16 = QUERY_F16.take(r.hd);
  for (let i = 0; i < r.hd; i++) q16[i] = toF16(r.q[r.qo + i]!);
  const acc = ACCUMULATOR.take(r.hd).fill(0); // values always representable in f16
  let sum = 0; // S: softmax denominator so far
  let max = -Infinity; // M: running max score
  for (let p = 0; p <= r.last; p++) {
    const ko = p * r.kvStride + r.kvo;
    const s = f32(ggmlDotF16(q16, r.k, ko, r.hd) * r.scale);
    // a new max rescales what was accumulated; otherwise this row gets weight e^(s - M)
    let rescale = 1;
    let weight = 1;
    if (s > max) {
      rescale = max === -Infinity ? 0 : expF32(f32(max - s));
      max = s;
      for (let i = 0; i < r.hd; i++) acc[i] = toF16(f32(acc[i]! * rescale));
    } else {
      weight = expF32(f32(s - max));
    }
    // fused multiply-add in f32, then stored as f16 (ggml_vec_mad_f16)
    for (let i = 0; i < r.hd; i++) acc[i] = toF16(f32(acc[i]! + F16_VALUES[r.v[ko + i]!]! * weight));
    sum = fmaF32(sum, rescale, weight);
  }
  const inv = f32(1 / sum);
  for (let i = 0; i < r.hd; i++) out[oo + i] = acc[i]! * inv;
}

/**
 * ggml_compute_forward_flash_attn_ext_tiled for one query row: q stays f32;
 * per tile of 64 KV rows the scores are fused-multiply-add chains over the
 * head (simd_gemm), scaled; the tile's max updates the running max (rescaling
 * the f32 accumulator and sum by expf); the weights come from ggml's vector
 * exp, summed 16 at a time in f64 (ggml_vec_soft_max_f32); V is added as one
 * fused-multiply-add chain over the tile per element. Rows past `last` score −∞.
 */
function tiledRow(r: Row, out: Float32Array, oo: number): void {
  const acc = ACCUMULATOR.take(r.hd).fill(0);
  const weights = TILE_WEIGHTS;
  let sum = 0;
  let max = -Infinity;
  for (let start = 0; start <= r.last; start += TILE) {
    let tileMax = -Infinity;
    for (let tk = 0; tk < TILE; tk++) {
      const p = start + tk;
      let s = -Infinity;
      if (p <= r.last) {
        const ko = p * r.kvStride + r.kvo;
        let dot = 0;
        for (let i = 0; i < r.hd; i++) dot = fmaF32(r.q[r.qo + i]!, F16_VALUES[r.k[ko + i]!]!, dot);
        s = f32(dot * r.scale);
      }
      weights[tk] = s;
      tileMax = Math.max(tileMax, s);
    }
    const newMax = Math.max(max, tileMax);
    if (newMax > max) {
      const rescale = expF32(f32(max - newMax));
      for (let i = 0; i < r.hd; i++) acc[i] = f32(acc[i]! * rescale);
      sum = f32(sum * rescale);
    }
    max = newMax;
    let tileSum = 0;
    for (let tk = 0; tk < TILE; tk++) weights[tk] = ggmlVectorExp(f32(weights[tk]! - max));
    for (let g = 0; g < TILE; g += 16) tileSum += reduceAdd16(weights, g);
    sum = f32(sum + tileSum);
    for (let i = 0; i < r.hd; i++) {
      let a = acc[i]!;
      for (let tk = 0; tk < TILE && start + tk <= r.last; tk++) a = fmaF32(F16_VALUES[r.v[(start + tk) * r.kvStride + r.kvo + i]!]!, weights[tk]!, a);
      acc[i] = a;
    }
  }
  const inv = sum === 0 ? 0 : f32(1 / sum);
  for (let i = 0; i < r.hd; i++) out[oo + i] = f32(acc[i]! * inv);
}

/**
 * q16 · k[ko .. ko + n] as ggml_vec_dot_f16 computes it with AVX-512: whole
 * groups of 64 in four accumulators of sixteen f32 lanes (a half times a half
 * is exact in f32, so each step rounds once), reduced as GGML_F32x16_REDUCE
 * and _mm512_reduce_add_ps do; the rest in f64; the result rounded to f32.
 */
function ggmlDotF16(q16: Float32Array, k: Uint16Array, ko: number, n: number): number {
  const vectorEnd = n - (n % 64);
  let sum = 0;
  if (vectorEnd > 0) {
    const lanes = DOT_LANES.fill(0);
    for (let i = 0; i < vectorEnd; i++) lanes[i & 63] = f32(lanes[i & 63]! + q16[i]! * F16_VALUES[k[ko + i]!]!);
    // accumulators 0 + 2 and 1 + 3, then their sum: lane l of the result is in lanes[l]
    for (let l = 0; l < 16; l++) lanes[l] = f32(f32(lanes[l]! + lanes[32 + l]!) + f32(lanes[16 + l]! + lanes[48 + l]!));
    sum = reduceAdd16(lanes, 0);
  }
  for (let i = vectorEnd; i < n; i++) sum += q16[i]! * F16_VALUES[k[ko + i]!]!;
  return f32(sum);
}
const DOT_LANES = new Float64Array(64);
// Temporaries of one query row, reused from row to row.
const QUERY_F16 = new Scratch((n) => new Float32Array(n));
const ACCUMULATOR = new Scratch((n) => new Float32Array(n));
const TILE_WEIGHTS = new Float64Array(TILE);
