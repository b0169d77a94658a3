/**
 * Matmuls over Q4_K, Q5_K and Q6_K weights computed as llama.cpp's x86
 * kernels compute them (ggml-cpu/arch/x86: the repacked Q4_K 8x8 kernels and
 * ggml_vec_dot_q{4,5,6}_K_q8_K), so every f32 rounding falls where it falls
 * there: integer sums per super-block, converted to f32, scaled with fused
 * multiply-adds into lanes, the lanes summed in the same order. Summing the
 * dequantized weights in f64 instead (the obvious reference) differs by an
 * ulp often enough to flip the 8-bit rounding of the next matmul's input.
 */
import { Scratch, decodeKQuantIntegers, kQuantIntegers, KQUANT_BLOCK_BYTES, quantizeRowQ8K, type KQuantIntegers, type KQuantIntegerType } from '@llamita/tensor';
import { f32, fmaF32, hsum8 } from './ggml-float.js';

/** One activation row quantized to Q8_K: quants, a scale per 256 and the sum of each 16 quants. */
interface Q8KRow {
  readonly q: Int8Array;
  readonly d: Float32Array;
  readonly bsums: Int32Array;
}

/** Row `i` of x `[m, k]` quantized into the shared scratch: views of it, valid until the next matmul. */
function quantizeQ8K(x: Float32Array, i: number, k: number, m: number): Q8KRow {
  const q = Q8K_QUANTS.take(m * k).subarray(i * k, (i + 1) * k);
  const d = Q8K_SCALES.take((m * k) / 256).subarray((i * k) / 256, ((i + 1) * k) / 256);
  quantizeRowQ8K(x.subarray(i * k, (i + 1) * k), q, d);
  const bsums = Q8K_SUMS.take((m * k) / 16)
    .subarray((i * k) / 16, ((i + 1) * k) / 16)
    .fill(0);
  for (let e = 0; e < k; e++) bsums[e >> 4]! += q[e]!;
  return { q, d, bsums };
}
// The activation rows of the current matmul, reused from call to call.
const Q8K_QUANTS = new Scratch((n) => new Int8Array(n));
const Q8K_SCALES = new Scratch((n) => new Float32Array(n));
const Q8K_SUMS = new Scratch((n) => new Int32Array(n));
/** The i32 lanes of one super-block (one dot at a time). */
const LANES = new Int32Array(8);

/** Σ q[e]·a[e] over e in [from, from + count) of block-relative elements, `a` offset by `ao`. */
function intDot(q: Uint8Array, a: Int8Array, ao: number, from: number, count: number): number {
  let s = 0;
  for (let e = from; e < from + count; e++) s += q[e]! * a[ao + e]!;
  return s;
}

/**
 * Q4_K in its repacked form (weight rows in groups of 8): integer sums against
 * the scales and against the mins, each scaled into its own f32 chain; the
 * output is their difference. The single-row kernel (ggml_gemv_q4_K_8x8_q8_K)
 * adds to the chains once per super-block; the four-row one
 * (ggml_gemm_q4_K_8x8_q8_K, which llama.cpp runs on a batch's activation rows
 * in groups of four) once per 64 elements, so `span` is 256 or 64.
 */
function dotQ4KRepacked(blocks: readonly KQuantIntegers[], x: Q8KRow, span: 64 | 256): number {
  let sum = 0;
  let mins = 0;
  blocks.forEach((w, b) => {
    const dd = f32(w.d * x.d[b]!);
    const dmin = f32(w.dmin * x.d[b]!);
    for (let start = 0; start < 8; start += span / 32) {
      let isum = 0;
      let imin = 0;
      for (let s = start; s < start + span / 32; s++) {
        isum += w.scales[s]! * intDot(w.q, x.q, b * 256, 32 * s, 32);
        imin += w.mins[s]! * (x.bsums[b * 16 + 2 * s]! + x.bsums[b * 16 + 2 * s + 1]!);
      }
      sum = fmaF32(f32(isum), dd, sum);
      mins = fmaF32(f32(imin), dmin, mins);
    }
  });
  return f32(sum - mins);
}

/**
 * The eight i32 lanes ggml's AVX2 k-quant dots build per super-block: lane l
 * holds elements 4l..4l+3 of every 32-element group, each group times its
 * sub-block scale (`scaleOf(group, lane)`).
 */
function laneSums(w: KQuantIntegers, a: Int8Array, ao: number, scaleOf: (group: number, lane: number) => number, lanes: Int32Array): void {
  lanes.fill(0);
  for (let g = 0; g < 8; g++) {
    for (let l = 0; l < 8; l++) lanes[l]! += scaleOf(g, l) * intDot(w.q, a, ao, 32 * g + 4 * l, 4);
  }
}

/**
 * ggml_vec_dot_q4_K_q8_K and ggml_vec_dot_q5_K_q8_K (AVX2): eight scaled
 * lanes; the mins in four lanes (Q4_K) or one scalar (Q5_K), added last.
 */
function dotQ45KLanes(type: 'q4_k' | 'q5_k', blocks: readonly KQuantIntegers[], x: Q8KRow): number {
  const acc = [0, 0, 0, 0, 0, 0, 0, 0];
  const accMin = [0, 0, 0, 0];
  let summs = 0;
  const lanes = LANES;
  blocks.forEach((w, b) => {
    const d = f32(x.d[b]! * w.d);
    const dmin = f32(-x.d[b]! * w.dmin);
    laneSums(w, x.q, b * 256, (g) => w.scales[g]!, lanes);
    for (let l = 0; l < 8; l++) acc[l] = fmaF32(d, f32(lanes[l]!), acc[l]!);
    // lane l of the mins: sub-blocks 2l and 2l + 1 times their 32-element activation sums
    const sum32 = (s: number): number => x.bsums[b * 16 + 2 * s]! + x.bsums[b * 16 + 2 * s + 1]!;
    const prod = [0, 1, 2, 3].map((l) => w.mins[2 * l]! * sum32(2 * l) + w.mins[2 * l + 1]! * sum32(2 * l + 1));
    if (type === 'q4_k') prod.forEach((p, l) => (accMin[l] = fmaF32(dmin, f32(p), accMin[l]!)));
    else summs = fmaF32(dmin, prod[0]! + prod[1]! + prod[2]! + prod[3]!, summs);
  });
  const mins = type === 'q4_k' ? f32(f32(accMin[0]! + accMin[2]!) + f32(accMin[1]! + accMin[3]!)) : summs;
  return f32(hsum8(acc) + mins);
}

/** ggml_vec_dot_q6_K_q8_K (AVX2): unsigned quants in eight scaled lanes, less 32 · Σ scale · activation sum. */
function dotQ6K(blocks: readonly KQuantIntegers[], x: Q8KRow): number {
  const acc = [0, 0, 0, 0, 0, 0, 0, 0];
  const lanes = LANES;
  blocks.forEach((w, b) => {
    const d = f32(x.d[b]! * w.d);
    laneSums(w, x.q, b * 256, (g, l) => w.scales[2 * g + (l >> 2)]!, lanes);
    for (let l = 0; l < 8; l++) {
      const offset = 32 * (x.bsums[b * 16 + 2 * l]! * w.scales[2 * l]! + x.bsums[b * 16 + 2 * l + 1]! * w.scales[2 * l + 1]!);
      acc[l] = fmaF32(d, f32(lanes[l]! - offset), acc[l]!);
    }
  });
  return hsum8(acc);
}

/**
 * out = x · wᵀ — x `[m, k]` f32, w `[n, k]` of `type` (row j's bytes at
 * `bytes[offset + j · rowBytes]`), out `[m, n]`; k a multiple of 256.
 */
export function matmulKQuant(x: Float32Array, type: KQuantIntegerType, bytes: Uint8Array, offset: number, m: number, k: number, n: number, out: Float32Array): void {
  const blocksPerRow = k / 256;
  const rows = Array.from({ length: m }, (_, i) => quantizeQ8K(x, i, k, m));
  const blocks = Array.from({ length: blocksPerRow }, kQuantIntegers);
  const repacked = type === 'q4_k' && n % 8 === 0;
  for (let j = 0; j < n; j++) {
    blocks.forEach((block, b) => decodeKQuantIntegers(type, bytes, offset + (j * blocksPerRow + b) * KQUANT_BLOCK_BYTES[type], block));
    for (let i = 0; i < m; i++) {
      const row = rows[i]!;
      // llama.cpp takes a batch's rows in groups of four through its four-row kernel, the rest one by one
      const span = i < m - (m % 4) ? 64 : 256;
      out[i * n + j] = type === 'q6_k' ? dotQ6K(blocks, row) : repacked ? dotQ4KRepacked(blocks, row, span) : dotQ45KLanes(type, blocks, row);
    }
  }
}
