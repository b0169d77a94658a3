// Matrix-vector and matrix-matrix products for the wasm backend, with
// WebAssembly SIMD128. All pointers are byte offsets into the imported memory.
//
// Shapes (outermost first): x [m, k] activations, w [n, k] weights (one row per
// output), out [m, n] f32. Each call computes the output columns j0 <= j < j1
// only, so a pool of threads can split one product by weight rows. Quantized
// weights keep their block layout (Q4_0 and Q4_K repacked by four rows, see
// repackQ4_0 / repackRows4); their activations arrive quantized to Q8_0 or
// Q8_K blocks (int8 quants `xq` [m, k], f32 scales `xd`, group sums `xs`), so
// every block product is an integer dot product. `f16` points at a 65,536-entry
// f32 table of every half-precision value (scalar scale loads); four scales at
// a time convert in SIMD instead.

import { halfBitsToF32 } from './half';
import { dot16Unsigned, fma4, half, hsum8, hsumF32, hsumI32, scaledFours } from './simd';

/** Dot product of 16 signed bytes with 16 signed bytes (any int8 values), added to four i32 lanes. */
@inline function dot16(acc: v128, a: v128, b: v128): v128 {
  acc = i32x4.add(acc, i32x4.extadd_pairwise_i16x8_s(i16x8.extmul_low_i8x16_s(a, b)));
  return i32x4.add(acc, i32x4.extadd_pairwise_i16x8_s(i16x8.extmul_high_i8x16_s(a, b)));
}

/** out = x · wᵀ with f32 weights (k a multiple of 4 handled by SIMD, the rest by scalar code). */
export function matmulF32(x: usize, w: usize, out: usize, m: i32, k: i32, n: i32, j0: i32, j1: i32): void {
  const k4 = k & ~3;
  for (let j = j0; j < j1; j++) {
    const wr = w + (<usize>j * <usize>k << 2);
    for (let i = 0; i < m; i++) {
      const xr = x + (<usize>i * <usize>k << 2);
      let acc = f32x4.splat(0);
      for (let t = 0; t < k4; t += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(xr + (<usize>t << 2)), v128.load(wr + (<usize>t << 2))));
      let s = hsumF32(acc);
      for (let t = k4; t < k; t++) s += load<f32>(xr + (<usize>t << 2)) * load<f32>(wr + (<usize>t << 2));
      store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), s);
    }
  }
}

/**
 * out[i .. i+rows, j] for Q8_0 weight row `wr` (34-byte blocks: f16 d, 32
 * int8) against Q8_0 activations, summed as llama.cpp's x86 Q8_0 kernels sum
 * (ggml_vec_dot_q8_0_q8_0, llamafile's tinyBLAS_Q0_AVX): eight lanes, lane l
 * taking elements 4l..4l+3 of every block, each block's integer share scaled
 * into its lane with a fused multiply-add, then hsum_float_8. `rows` is 1 or
 * 4 and a constant at each inlined call, so four activation rows share each
 * weight block in prefill.
 */
@inline function q8_0Rows(xq: usize, xd: usize, wr: usize, out: usize, i: i32, j: i32, k: i32, n: i32, f16: usize, rows: i32): void {
  const blocks = k >> 5;
  const xRow = <usize>k;
  const sRow = <usize>blocks << 2;
  const xr = xq + <usize>i * xRow;
  const xs = xd + <usize>i * sRow;
  let lo0 = f32x4.splat(0), hi0 = lo0, lo1 = lo0, hi1 = lo0, lo2 = lo0, hi2 = lo0, lo3 = lo0, hi3 = lo0;
  for (let b = 0; b < blocks; b++) {
    const wb = wr + <usize>b * 34;
    const first = v128.load(wb + 2);
    const second = v128.load(wb + 18);
    const dw = half(f16, wb);
    const xb = xr + (<usize>b << 5);
    const sb = xs + (<usize>b << 2);
    lo0 = q8_0Lanes(lo0, xb, sb, first, dw);
    hi0 = q8_0Lanes(hi0, xb + 16, sb, second, dw);
    if (rows > 1) {
      lo1 = q8_0Lanes(lo1, xb + xRow, sb + sRow, first, dw);
      hi1 = q8_0Lanes(hi1, xb + xRow + 16, sb + sRow, second, dw);
      lo2 = q8_0Lanes(lo2, xb + 2 * xRow, sb + 2 * sRow, first, dw);
      hi2 = q8_0Lanes(hi2, xb + 2 * xRow + 16, sb + 2 * sRow, second, dw);
      lo3 = q8_0Lanes(lo3, xb + 3 * xRow, sb + 3 * sRow, first, dw);
      hi3 = q8_0Lanes(hi3, xb + 3 * xRow + 16, sb + 3 * sRow, second, dw);
    }
  }
  const o = out + ((<usize>i * <usize>n + <usize>j) << 2);
  const oRow = <usize>n << 2;
  store<f32>(o, hsum8(lo0, hi0));
  if (rows > 1) {
    store<f32>(o + oRow, hsum8(lo1, hi1));
    store<f32>(o + 2 * oRow, hsum8(lo2, hi2));
    store<f32>(o + 3 * oRow, hsum8(lo3, hi3));
  }
}

/**
 * Half a Q8_0 block (16 elements: activation quants at `xb`, weights `w`)
 * into four lanes of `acc`: lane l gets dw·dx·(Σ of elements 4l..4l+3) with one rounding.
 */
@inline function q8_0Lanes(acc: v128, xb: usize, sb: usize, w: v128, dw: f32): v128 {
  const x = v128.load(xb);
  const pairsLow = i32x4.extadd_pairwise_i16x8_s(i16x8.extmul_low_i8x16_s(x, w));
  const pairsHigh = i32x4.extadd_pairwise_i16x8_s(i16x8.extmul_high_i8x16_s(x, w));
  const fours = i32x4.add(i32x4.shuffle(pairsLow, pairsHigh, 0, 2, 4, 6), i32x4.shuffle(pairsLow, pairsHigh, 1, 3, 5, 7));
  return fma4(f32x4.convert_i32x4_s(fours), f32x4.splat(dw * load<f32>(sb)), acc);
}

/** out = x · wᵀ with Q8_0 weights. */
export function matmulQ8_0(xq: usize, xd: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize, j0: i32, j1: i32): void {
  const rowBytes = <usize>(k >> 5) * 34;
  for (let j = j0; j < j1; j++) {
    const wr = w + <usize>j * rowBytes;
    let i = 0;
    for (; i + 4 <= m; i += 4) q8_0Rows(xq, xd, wr, out, i, j, k, n, f16, 4);
    for (; i < m; i++) q8_0Rows(xq, xd, wr, out, i, j, k, n, f16, 1);
  }
}

// Q4_0 against Q8_0 activations, four weight rows at a time. Nibbles stay
// unsigned (0..15) so one relaxed dot instruction can take them, and the
// offset of 8 comes back as 8 · (sum of the block's activation quants), which
// the host passes in `xs` (i32 [m, k/32]). Each block yields one i32 per row
// (a transposed sum of four vectors), scaled in four f32 lanes — one lane per
// weight row — so four outputs leave with one store.

/** [Σa, Σb, Σc, Σd]: the horizontal sums of four i32 vectors. */
@inline function sum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = i32x4.add(i32x4.shuffle(a, b, 0, 4, 1, 5), i32x4.shuffle(a, b, 2, 6, 3, 7));
  const cd = i32x4.add(i32x4.shuffle(c, d, 0, 4, 1, 5), i32x4.shuffle(c, d, 2, 6, 3, 7));
  return i32x4.add(i32x4.shuffle(ab, cd, 0, 1, 4, 5), i32x4.shuffle(ab, cd, 2, 3, 6, 7));
}

/**
 * i32 lanes summing to Σ nibble · x over 32 elements: `lo`/`hi` hold the
 * nibbles (0..15) of elements 0..15 / 16..31, `x0`/`x1` their int8 activations.
 */
@inline function dotNibbles(lo: v128, hi: v128, x0: v128, x1: v128): v128 {
  return i32x4.extadd_pairwise_i16x8_s(i16x8.add(dot16Unsigned(lo, x0), dot16Unsigned(hi, x1)));
}

/** The four f16 values at a, b, c, d as f32 lanes: gathered into the low halves of four i32 lanes, converted in SIMD. */
@inline function halves4(a: usize, b: usize, c: usize, d: usize): v128 {
  let h = v128.load16_lane(a, i32x4.splat(0), 0);
  h = v128.load16_lane(b, h, 2);
  h = v128.load16_lane(c, h, 4);
  return halfBitsToF32(v128.load16_lane(d, h, 6));
}

/** One activation row `i` against block `b` of four weight rows: `acc` plus their four scaled block products. */
@inline function q4_0Lanes(acc: v128, xq: usize, xd: usize, xs: usize, i: i32, b: i32, k: i32, l0: v128, h0: v128, l1: v128, h1: v128, l2: v128, h2: v128, l3: v128, h3: v128, dw: v128): v128 {
  const blocks = <usize>(k >> 5);
  const xb = xq + <usize>i * <usize>k + (<usize>b << 5);
  const x0 = v128.load(xb);
  const x1 = v128.load(xb + 16);
  const at = (<usize>i * blocks + <usize>b) << 2;
  const sums = sum4(dotNibbles(l0, h0, x0, x1), dotNibbles(l1, h1, x0, x1), dotNibbles(l2, h2, x0, x1), dotNibbles(l3, h3, x0, x1));
  const centered = i32x4.sub(sums, i32x4.splat(load<i32>(xs + at) << 3));
  // acc + sum · (dw · dx) with one rounding, as llama.cpp's repacked Q4_0 kernels accumulate (dw · dx itself is exact)
  return fma4(f32x4.convert_i32x4_s(centered), f32x4.mul(dw, f32x4.splat(load<f32>(xd + at))), acc);
}

/**
 * out[i .. i+acts, j .. j+4] for weight rows j .. j+3, which lie in the
 * interleaved layout of {@link repackQ4_0} (`acts` is 1 or 4, a constant at
 * each inlined call, so four activation rows share each decoded weight block
 * in prefill).
 */
@inline function q4_0Tile(xq: usize, xd: usize, xs: usize, w: usize, out: usize, i: i32, j: i32, k: i32, n: i32, acts: i32): void {
  const blocks = k >> 5;
  const group = w + <usize>j * <usize>blocks * 18;
  const low = i8x16.splat(0x0f);
  let acc0 = f32x4.splat(0);
  let acc1 = f32x4.splat(0);
  let acc2 = f32x4.splat(0);
  let acc3 = f32x4.splat(0);
  for (let b = 0; b < blocks; b++) {
    const wb = group + <usize>b * 72;
    const dw = halfBitsToF32(i32x4.extend_low_i16x8_u(v128.load64_zero(wb)));
    const p0 = v128.load(wb + 8);
    const p1 = v128.load(wb + 24);
    const p2 = v128.load(wb + 40);
    const p3 = v128.load(wb + 56);
    const l0 = v128.and(p0, low);
    const h0 = i8x16.shr_u(p0, 4);
    const l1 = v128.and(p1, low);
    const h1 = i8x16.shr_u(p1, 4);
    const l2 = v128.and(p2, low);
    const h2 = i8x16.shr_u(p2, 4);
    const l3 = v128.and(p3, low);
    const h3 = i8x16.shr_u(p3, 4);
    acc0 = q4_0Lanes(acc0, xq, xd, xs, i, b, k, l0, h0, l1, h1, l2, h2, l3, h3, dw);
    if (acts > 1) {
      acc1 = q4_0Lanes(acc1, xq, xd, xs, i + 1, b, k, l0, h0, l1, h1, l2, h2, l3, h3, dw);
      acc2 = q4_0Lanes(acc2, xq, xd, xs, i + 2, b, k, l0, h0, l1, h1, l2, h2, l3, h3, dw);
      acc3 = q4_0Lanes(acc3, xq, xd, xs, i + 3, b, k, l0, h0, l1, h1, l2, h2, l3, h3, dw);
    }
  }
  const o = out + ((<usize>i * <usize>n + <usize>j) << 2);
  const oRow = <usize>n << 2;
  v128.store(o, acc0);
  if (acts > 1) {
    v128.store(o + oRow, acc1);
    v128.store(o + 2 * oRow, acc2);
    v128.store(o + 3 * oRow, acc3);
  }
}

/**
 * Rewrites Q4_0 weights `w` [n, k] in place so each group of four rows
 * (rows 4g .. 4g+3) keeps its blocks side by side: for block b, the four
 * f16 scales (8 bytes), then the four rows' 16 nibble bytes (64 bytes). One
 * sequential stream instead of four strided ones reads about three times
 * faster from memory, and the scales convert with one load. Rows past the
 * last whole group keep GGUF's layout. `tmp` has room for four rows.
 * `unpack` reverses it.
 */
export function repackQ4_0(w: usize, n: i32, k: i32, tmp: usize, unpack: bool): void {
  const blocks = <usize>(k >> 5);
  const rowBytes = blocks * 18;
  for (let j = 0; j + 4 <= n; j += 4) {
    const group = w + <usize>j * rowBytes;
    memory.copy(tmp, group, 4 * rowBytes);
    for (let b: usize = 0; b < blocks; b++) {
      for (let r: usize = 0; r < 4; r++) {
        const standard = r * rowBytes + b * 18;
        const packed = b * 72;
        if (unpack) {
          store<u16>(group + standard, load<u16>(tmp + packed + (r << 1)));
          memory.copy(group + standard + 2, tmp + packed + 8 + (r << 4), 16);
        } else {
          store<u16>(group + packed + (r << 1), load<u16>(tmp + standard));
          memory.copy(group + packed + 8 + (r << 4), tmp + standard + 2, 16);
        }
      }
    }
  }
}

/** out[i, j] alone: the rows left over when n is not a multiple of four. */
function q4_0Single(xq: usize, xd: usize, xs: usize, w: usize, out: usize, i: i32, j: i32, k: i32, n: i32, f16: usize): void {
  const blocks = k >> 5;
  const wr = w + <usize>j * <usize>blocks * 18;
  const low = i8x16.splat(0x0f);
  let s: f32 = 0;
  for (let b = 0; b < blocks; b++) {
    const wb = wr + <usize>b * 18;
    const xb = xq + <usize>i * <usize>k + (<usize>b << 5);
    const at = (<usize>i * <usize>blocks + <usize>b) << 2;
    const p = v128.load(wb + 2);
    const sum = hsumI32(dotNibbles(v128.and(p, low), i8x16.shr_u(p, 4), v128.load(xb), v128.load(xb + 16))) - (load<i32>(xs + at) << 3);
    s += <f32>sum * (half(f16, wb) * load<f32>(xd + at));
  }
  store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), s);
}

/**
 * out = x · wᵀ with Q4_0 weights (18-byte blocks: f16 d, 16 bytes of nibbles,
 * low ones elements 0..15, value q - 8), repacked by {@link repackQ4_0}.
 */
export function matmulQ4_0(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize, j0: i32, j1: i32): void {
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    let i = 0;
    for (; i + 4 <= m; i += 4) q4_0Tile(xq, xd, xs, w, out, i, j, k, n, 4);
    for (; i < m; i++) q4_0Tile(xq, xd, xs, w, out, i, j, k, n, 1);
  }
  for (; j < j1; j++) for (let i = 0; i < m; i++) q4_0Single(xq, xd, xs, w, out, i, j, k, n, f16);
}

// k-quants against Q8_K activations: `xq` int8 [m, k], `xd` f32 [m, k/256]
// (one scale per 256), `xs` i32 [m, k/16] (sums of each 16 quants, for Q4_K's
// mins and Q6_K's offset). Formulas follow ggml's vec_dot_q4_K_q8_K and
// vec_dot_q6_K_q8_K. Sub-block products are scaled by pmaddwd-style i16 dots
// into i32 vectors, summed horizontally once per block.

/**
 * The 6-bit scales (bytes 0..7) and mins (bytes 8..15) of a Q4_K block's
 * eight sub-blocks, unpacked from its 12 packed bytes at `s` all at once
 * (ggml's get_scale_min_k4 for every j).
 */
@inline export function q4KScalesMins(s: usize): v128 {
  const a = load<u32>(s);
  const b = load<u32>(s + 4);
  const c = load<u32>(s + 8);
  let v = i32x4.splat(a & 0x3f3f3f3f);
  v = i32x4.replace_lane(v, 1, (c & 0x0f0f0f0f) | (((a >> 6) & 0x03030303) << 4));
  v = i32x4.replace_lane(v, 2, b & 0x3f3f3f3f);
  return i32x4.replace_lane(v, 3, ((c >> 4) & 0x0f0f0f0f) | (((b >> 6) & 0x03030303) << 4));
}

/**
 * One Q4_K block of one weight row at `wb` against Q8_K activations at `xb`:
 * leaves in `part0`..`part3` i32 lanes summing to Σ scale · q · x over each
 * 64 elements (sub-blocks 2c and 2c+1), and in `minsOut` lane c the mins of
 * those two sub-blocks times their activation sums. `bsums` holds the
 * activation's eight per-32 sums as i16.
 */
@inline function q4KBlock(wb: usize, xb: usize, bsums: v128, low: v128): void {
  const sm = q4KScalesMins(wb + 4);
  minsOut = i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(sm), bsums);
  const scLo = i32x4.extract_lane(sm, 0);
  const scHi = i32x4.extract_lane(sm, 1);
  part0 = q4KPart(wb, xb, 0, scLo, low);
  part1 = q4KPart(wb, xb, 1, scLo, low);
  part2 = q4KPart(wb, xb, 2, scHi, low);
  part3 = q4KPart(wb, xb, 3, scHi, low);
}

/** 64 elements c of a Q4_K block: 32 bytes of nibbles, the low ones sub-block 2c and the high ones 2c+1, scaled by their scales in `word`. */
@inline function q4KPart(wb: usize, xb: usize, c: i32, word: i32, low: v128): v128 {
  const q = wb + 16 + (<usize>c << 5);
  const y = xb + (<usize>c << 6);
  const p0 = v128.load(q);
  const p1 = v128.load(q + 16);
  const shift = (c & 1) << 4;
  const a = i16x8.add(dot16Unsigned(v128.and(p0, low), v128.load(y)), dot16Unsigned(v128.and(p1, low), v128.load(y + 16)));
  const h = i16x8.add(dot16Unsigned(i8x16.shr_u(p0, 4), v128.load(y + 32)), dot16Unsigned(i8x16.shr_u(p1, 4), v128.load(y + 48)));
  return i32x4.add(i32x4.dot_i16x8_s(a, i16x8.splat(<i16>((word >> shift) & 0xff))), i32x4.dot_i16x8_s(h, i16x8.splat(<i16>((word >> (shift + 8)) & 0xff))));
}
// The results of {@link q4KBlock} (AssemblyScript functions return one value).
let part0: v128 = i32x4.splat(0);
let part1: v128 = i32x4.splat(0);
let part2: v128 = i32x4.splat(0);
let part3: v128 = i32x4.splat(0);
let minsOut: v128 = i32x4.splat(0);

/** The eight per-32 sums of a Q8_K block as i16 lanes, from its sixteen i32 per-16 sums at `sums`. */
@inline function bsums32(sums: usize): v128 {
  const a = v128.load(sums);
  const b = v128.load(sums + 16);
  const c = v128.load(sums + 32);
  const d = v128.load(sums + 48);
  // pairs of per-16 sums: lanes (0+1, 2+3) of each vector, via a transposed add
  const ab = i32x4.add(i32x4.shuffle(a, b, 0, 2, 4, 6), i32x4.shuffle(a, b, 1, 3, 5, 7));
  const cd = i32x4.add(i32x4.shuffle(c, d, 0, 2, 4, 6), i32x4.shuffle(c, d, 1, 3, 5, 7));
  return i16x8.narrow_i32x4_s(ab, cd);
}

/**
 * Interleaves the blocks of each group of four rows of `w` [n, blocks of
 * `blockBytes`] in place (unpack = false): block b of rows 4g .. 4g+3 side by
 * side, so a four-row kernel reads one sequential stream (about three times
 * faster from memory than four strided ones). Rows past the last whole group
 * keep their layout. `tmp` has room for four rows. unpack = true reverses it.
 */
export function repackRows4(w: usize, n: i32, blocks: i32, blockBytes: i32, tmp: usize, unpack: bool): void {
  const size = <usize>blockBytes;
  const rowBytes = <usize>blocks * size;
  for (let j = 0; j + 4 <= n; j += 4) {
    const group = w + <usize>j * rowBytes;
    memory.copy(tmp, group, 4 * rowBytes);
    for (let b: usize = 0; b < <usize>blocks; b++) {
      for (let r: usize = 0; r < 4; r++) {
        const standard = r * rowBytes + b * size;
        const packed = (b * 4 + r) * size;
        if (unpack) memory.copy(group + standard, tmp + packed, size);
        else memory.copy(group + packed, tmp + standard, size);
      }
    }
  }
}

/**
 * out = x · wᵀ with Q4_K weights (144-byte blocks of 256: f16 d, f16 dmin, 12
 * scale bytes, 128 nibble bytes), repacked by {@link repackRows4}, four weight
 * rows at a time (one f32 lane per row). Rounded as llama.cpp's repacked Q4_K
 * kernels round: integer sums against the scales and against the mins go into
 * two f32 chains with fused multiply-adds, subtracted at the end; activation
 * rows in whole groups of four add to the chains once per 64 elements (its
 * four-row ggml_gemm_q4_K_8x8_q8_K), the rest once per block (ggml_gemv).
 */
export function matmulQ4_K(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize, j0: i32, j1: i32): void {
  const blocks = k >> 8;
  const rowBytes = <usize>blocks * 144;
  const low = i8x16.splat(0x0f);
  const grouped = m - (m & 3);
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const w0 = w + <usize>j * rowBytes;
    for (let i = 0; i < m; i++) {
      let sums = f32x4.splat(0);
      let mins = f32x4.splat(0);
      for (let b = 0; b < blocks; b++) {
        // the group's four rows keep block b side by side (repackRows4)
        const b0 = w0 + <usize>b * 576;
        const xb = xq + <usize>i * <usize>k + (<usize>b << 8);
        const bsums = bsums32(xs + ((<usize>i * <usize>(k >> 4) + (<usize>b << 4)) << 2));
        const dy = f32x4.splat(load<f32>(xd + ((<usize>i * <usize>blocks + <usize>b) << 2)));
        const dd = f32x4.mul(halves4(b0, b0 + 144, b0 + 288, b0 + 432), dy);
        const dmin = f32x4.mul(halves4(b0 + 2, b0 + 146, b0 + 290, b0 + 434), dy);
        q4KBlock(b0, xb, bsums, low);
        const r0c0 = part0, r0c1 = part1, r0c2 = part2, r0c3 = part3, m0 = minsOut;
        q4KBlock(b0 + 144, xb, bsums, low);
        const r1c0 = part0, r1c1 = part1, r1c2 = part2, r1c3 = part3, m1 = minsOut;
        q4KBlock(b0 + 288, xb, bsums, low);
        const r2c0 = part0, r2c1 = part1, r2c2 = part2, r2c3 = part3, m2 = minsOut;
        q4KBlock(b0 + 432, xb, bsums, low);
        const r3c0 = part0, r3c1 = part1, r3c2 = part2, r3c3 = part3, m3 = minsOut;
        if (i < grouped) {
          // once per 64 elements: sums of sub-blocks 2c, 2c+1 for each row, and the mins' lane c of each row (a transpose)
          const t0 = i32x4.shuffle(m0, m1, 0, 4, 1, 5);
          const t1 = i32x4.shuffle(m2, m3, 0, 4, 1, 5);
          const t2 = i32x4.shuffle(m0, m1, 2, 6, 3, 7);
          const t3 = i32x4.shuffle(m2, m3, 2, 6, 3, 7);
          sums = fma4(f32x4.convert_i32x4_s(sum4(r0c0, r1c0, r2c0, r3c0)), dd, sums);
          mins = fma4(f32x4.convert_i32x4_s(i32x4.shuffle(t0, t1, 0, 1, 4, 5)), dmin, mins);
          sums = fma4(f32x4.convert_i32x4_s(sum4(r0c1, r1c1, r2c1, r3c1)), dd, sums);
          mins = fma4(f32x4.convert_i32x4_s(i32x4.shuffle(t0, t1, 2, 3, 6, 7)), dmin, mins);
          sums = fma4(f32x4.convert_i32x4_s(sum4(r0c2, r1c2, r2c2, r3c2)), dd, sums);
          mins = fma4(f32x4.convert_i32x4_s(i32x4.shuffle(t2, t3, 0, 1, 4, 5)), dmin, mins);
          sums = fma4(f32x4.convert_i32x4_s(sum4(r0c3, r1c3, r2c3, r3c3)), dd, sums);
          mins = fma4(f32x4.convert_i32x4_s(i32x4.shuffle(t2, t3, 2, 3, 6, 7)), dmin, mins);
        } else {
          const s0 = i32x4.add(i32x4.add(r0c0, r0c1), i32x4.add(r0c2, r0c3));
          const s1 = i32x4.add(i32x4.add(r1c0, r1c1), i32x4.add(r1c2, r1c3));
          const s2 = i32x4.add(i32x4.add(r2c0, r2c1), i32x4.add(r2c2, r2c3));
          const s3 = i32x4.add(i32x4.add(r3c0, r3c1), i32x4.add(r3c2, r3c3));
          sums = fma4(f32x4.convert_i32x4_s(sum4(s0, s1, s2, s3)), dd, sums);
          mins = fma4(f32x4.convert_i32x4_s(sum4(m0, m1, m2, m3)), dmin, mins);
        }
      }
      v128.store(out + ((<usize>i * <usize>n + <usize>j) << 2), f32x4.sub(sums, mins));
    }
  }
  // rows left over when n is not a multiple of four (llama.cpp does not repack these: ggml_vec_dot_q4_K_q8_K's order is not reproduced here)
  for (; j < j1; j++) {
    const wr = w + <usize>j * rowBytes;
    for (let i = 0; i < m; i++) {
      let s: f32 = 0;
      for (let b = 0; b < blocks; b++) {
        const wb = wr + <usize>b * 144;
        const xb = xq + <usize>i * <usize>k + (<usize>b << 8);
        const bsums = bsums32(xs + ((<usize>i * <usize>(k >> 4) + (<usize>b << 4)) << 2));
        const dy = load<f32>(xd + ((<usize>i * <usize>blocks + <usize>b) << 2));
        q4KBlock(wb, xb, bsums, low);
        const sumi = hsumI32(i32x4.add(i32x4.add(part0, part1), i32x4.add(part2, part3)));
        s += dy * half(f16, wb) * <f32>sumi - dy * half(f16, wb + 2) * <f32>hsumI32(minsOut);
      }
      store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), s);
    }
  }
}

/**
 * out = x · wᵀ with Q6_K weights (210-byte blocks: 128 low-nibble bytes, 64
 * high-bit bytes, 16 int8 scales, f16 d). Quants stay unsigned (0..63) for the
 * dot products; the offset of 32 returns as 32 · Σ_g scale_g · (sum of group g's
 * activation quants), from the host's per-16 sums `xs`. Four activation rows
 * share each unpacked weight block (blocked prefill).
 */
export function matmulQ6_K(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize, j0: i32, j1: i32): void {
  for (let j = j0; j < j1; j++) {
    let i = 0;
    for (; i + 4 <= m; i += 4) q6KRows(xq, xd, xs, w, out, i, j, k, n, f16, 4);
    for (; i < m; i++) q6KRows(xq, xd, xs, w, out, i, j, k, n, f16, 1);
  }
}

/**
 * The offset term of a Q6_K block in ggml's eight lanes, `lanesHigh` picking
 * lanes 4-7: lane l is scale_{2l}·sum_{2l} + scale_{2l+1}·sum_{2l+1} over the
 * block's 16 groups of 16, with the activation sums at `sums`.
 */
@inline function q6KOffset(scales: v128, sums: usize, lanesHigh: bool): v128 {
  return lanesHigh
    ? i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(scales), i16x8.narrow_i32x4_s(v128.load(sums + 32), v128.load(sums + 48)))
    : i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(scales), i16x8.narrow_i32x4_s(v128.load(sums), v128.load(sums + 16)));
}

/**
 * `acc` plus four 16-quant groups' products with one activation row `y` (this
 * half's 128 quants), each lane four consecutive elements times the group's
 * int8 scale at `sc`: the lanes of ggml's AVX2 Q6_K dot for elements l..l+15 of each 32.
 */
@inline function q6KGroups(acc: v128, q1: v128, q2: v128, q3: v128, q4: v128, y: usize, l: i32, sc: usize): v128 {
  const is = <usize>(l >> 4);
  acc = i32x4.add(acc, scaledFours(q1, v128.load(y + l), load<i8>(sc + is)));
  acc = i32x4.add(acc, scaledFours(q2, v128.load(y + 32 + l), load<i8>(sc + is + 2)));
  acc = i32x4.add(acc, scaledFours(q3, v128.load(y + 64 + l), load<i8>(sc + is + 4)));
  return i32x4.add(acc, scaledFours(q4, v128.load(y + 96 + l), load<i8>(sc + is + 6)));
}

/**
 * out[i .. i+acts, j] for Q6_K weight row j (`acts` 1 or 4, constant at each
 * inlined call): each weight block's quants are unpacked once for all the
 * activation rows, as four 16-quant groups at a time. Rounded as ggml's AVX2
 * vec_dot_q6_K_q8_K: eight integer lanes per block (lo: elements 0-15 of
 * each 32, hi: 16-31), scaled into f32 lanes with a fused multiply-add, hsum_float_8 at the end.
 */
@inline function q6KRows(xq: usize, xd: usize, xs: usize, w: usize, out: usize, i: i32, j: i32, k: i32, n: i32, f16: usize, acts: i32): void {
  const blocks = k >> 8;
  const wr = w + <usize>j * <usize>blocks * 210;
  const low = i8x16.splat(0x0f);
  const three = i8x16.splat(3);
  const sumsRow = <usize>(k >> 4) << 2;
  const dyRow = <usize>blocks << 2;
  let f0lo = f32x4.splat(0), f0hi = f0lo, f1lo = f0lo, f1hi = f0lo, f2lo = f0lo, f2hi = f0lo, f3lo = f0lo, f3hi = f0lo;
  for (let b = 0; b < blocks; b++) {
    const wb = wr + <usize>b * 210;
    const x0 = xq + <usize>i * <usize>k + (<usize>b << 8);
    let a0lo = i32x4.splat(0), a0hi = a0lo, a1lo = a0lo, a1hi = a0lo, a2lo = a0lo, a2hi = a0lo, a3lo = a0lo, a3hi = a0lo;
    for (let half128 = 0; half128 < 2; half128++) {
      const ql = wb + (<usize>half128 << 6);
      const qh = wb + 128 + (<usize>half128 << 5);
      const sc = wb + 192 + (<usize>half128 << 3);
      const y = x0 + (<usize>half128 << 7);
      for (let l = 0; l < 32; l += 16) {
        const lo0 = v128.load(ql + l);
        const lo1 = v128.load(ql + 32 + l);
        const hi = v128.load(qh + l);
        // four groups of 16 quants (0..63): element offsets 0, 32, 64, 96 within this half
        const q1 = v128.or(v128.and(lo0, low), i8x16.shl(v128.and(hi, three), 4));
        const q2 = v128.or(v128.and(lo1, low), i8x16.shl(v128.and(i8x16.shr_u(hi, 2), three), 4));
        const q3 = v128.or(i8x16.shr_u(lo0, 4), i8x16.shl(v128.and(i8x16.shr_u(hi, 4), three), 4));
        const q4 = v128.or(i8x16.shr_u(lo1, 4), i8x16.shl(i8x16.shr_u(hi, 6), 4));
        if (l == 0) {
          a0lo = q6KGroups(a0lo, q1, q2, q3, q4, y, l, sc);
          if (acts > 1) {
            a1lo = q6KGroups(a1lo, q1, q2, q3, q4, y + <usize>k, l, sc);
            a2lo = q6KGroups(a2lo, q1, q2, q3, q4, y + 2 * <usize>k, l, sc);
            a3lo = q6KGroups(a3lo, q1, q2, q3, q4, y + 3 * <usize>k, l, sc);
          }
        } else {
          a0hi = q6KGroups(a0hi, q1, q2, q3, q4, y, l, sc);
          if (acts > 1) {
            a1hi = q6KGroups(a1hi, q1, q2, q3, q4, y + <usize>k, l, sc);
            a2hi = q6KGroups(a2hi, q1, q2, q3, q4, y + 2 * <usize>k, l, sc);
            a3hi = q6KGroups(a3hi, q1, q2, q3, q4, y + 3 * <usize>k, l, sc);
          }
        }
      }
    }
    // the offset of 32 returns through the activation sums of each group
    const scales = v128.load(wb + 192);
    const dw = half(f16, wb + 208);
    const sums = xs + <usize>i * sumsRow + (<usize>b << 6);
    const dy = xd + ((<usize>i * <usize>blocks + <usize>b) << 2);
    f0lo = q6KLanes(f0lo, a0lo, scales, sums, false, load<f32>(dy) * dw);
    f0hi = q6KLanes(f0hi, a0hi, scales, sums, true, load<f32>(dy) * dw);
    if (acts > 1) {
      f1lo = q6KLanes(f1lo, a1lo, scales, sums + sumsRow, false, load<f32>(dy + dyRow) * dw);
      f1hi = q6KLanes(f1hi, a1hi, scales, sums + sumsRow, true, load<f32>(dy + dyRow) * dw);
      f2lo = q6KLanes(f2lo, a2lo, scales, sums + 2 * sumsRow, false, load<f32>(dy + 2 * dyRow) * dw);
      f2hi = q6KLanes(f2hi, a2hi, scales, sums + 2 * sumsRow, true, load<f32>(dy + 2 * dyRow) * dw);
      f3lo = q6KLanes(f3lo, a3lo, scales, sums + 3 * sumsRow, false, load<f32>(dy + 3 * dyRow) * dw);
      f3hi = q6KLanes(f3hi, a3hi, scales, sums + 3 * sumsRow, true, load<f32>(dy + 3 * dyRow) * dw);
    }
  }
  const o = out + ((<usize>i * <usize>n + <usize>j) << 2);
  const oRow = <usize>n << 2;
  store<f32>(o, hsum8(f0lo, f0hi));
  if (acts > 1) {
    store<f32>(o + oRow, hsum8(f1lo, f1hi));
    store<f32>(o + 2 * oRow, hsum8(f2lo, f2hi));
    store<f32>(o + 3 * oRow, hsum8(f3lo, f3hi));
  }
}

/** Four of a Q6_K block's integer lanes less their offset term, scaled by d = dy·dw into `acc` with one rounding. */
@inline function q6KLanes(acc: v128, lanes: v128, scales: v128, sums: usize, lanesHigh: bool, d: f32): v128 {
  return fma4(f32x4.convert_i32x4_s(i32x4.sub(lanes, i32x4.shl(q6KOffset(scales, sums, lanesHigh), 5))), f32x4.splat(d), acc);
}
