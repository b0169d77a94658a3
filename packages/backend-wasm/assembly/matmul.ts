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
import { dot16Unsigned, fma4, half, hsumF32, hsumI32 } from './simd';

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
 * int8) against Q8_0 activations: per block an integer dot, scaled into four
 * f32 lanes; one horizontal sum per output. `rows` is 1 or 4 and a constant
 * at each inlined call, so four activation rows share each weight block in prefill.
 */
@inline function q8_0Rows(xq: usize, xd: usize, wr: usize, out: usize, i: i32, j: i32, k: i32, n: i32, f16: usize, rows: i32): void {
  const blocks = k >> 5;
  const xRow = <usize>k;
  const sRow = <usize>blocks << 2;
  const xr = xq + <usize>i * xRow;
  const xs = xd + <usize>i * sRow;
  let sum0 = f32x4.splat(0);
  let sum1 = f32x4.splat(0);
  let sum2 = f32x4.splat(0);
  let sum3 = f32x4.splat(0);
  for (let b = 0; b < blocks; b++) {
    const wb = wr + <usize>b * 34;
    const first = v128.load(wb + 2);
    const second = v128.load(wb + 18);
    const dw = half(f16, wb);
    const xb = xr + (<usize>b << 5);
    const sb = xs + (<usize>b << 2);
    sum0 = f32x4.add(sum0, q8_0Block(xb, sb, first, second, dw));
    if (rows > 1) {
      sum1 = f32x4.add(sum1, q8_0Block(xb + xRow, sb + sRow, first, second, dw));
      sum2 = f32x4.add(sum2, q8_0Block(xb + 2 * xRow, sb + 2 * sRow, first, second, dw));
      sum3 = f32x4.add(sum3, q8_0Block(xb + 3 * xRow, sb + 3 * sRow, first, second, dw));
    }
  }
  const o = out + ((<usize>i * <usize>n + <usize>j) << 2);
  const oRow = <usize>n << 2;
  store<f32>(o, hsumF32(sum0));
  if (rows > 1) {
    store<f32>(o + oRow, hsumF32(sum1));
    store<f32>(o + 2 * oRow, hsumF32(sum2));
    store<f32>(o + 3 * oRow, hsumF32(sum3));
  }
}

/** One Q8_0 block: integer dot of the activation quants at `xb` with the two weight halves, scaled to f32 lanes. */
@inline function q8_0Block(xb: usize, sb: usize, first: v128, second: v128, dw: f32): v128 {
  const acc = dot16(dot16(i32x4.splat(0), v128.load(xb), first), v128.load(xb + 16), second);
  return f32x4.mul(f32x4.convert_i32x4_s(acc), f32x4.splat(dw * load<f32>(sb)));
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
 * One activation row's Q8_K block `xb` against one Q4_K weight block `wb`:
 * i32 lanes summing to Σ_j scale_j · Σ(q · x) over the 8 sub-blocks, and (in
 * `mins`) lanes summing to Σ_j min_j · Σ x. `bsums` holds the activation's
 * eight per-32 sums as i16.
 */
@inline function q4KBlock(wb: usize, xb: usize, bsums: v128, low: v128): v128 {
  const sm = q4KScalesMins(wb + 4);
  minsOut = i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(sm), bsums);
  const scLo = i32x4.extract_lane(sm, 0);
  const scHi = i32x4.extract_lane(sm, 1);
  let acc = i32x4.splat(0);
  for (let c = 0; c < 4; c++) {
    // 32 bytes of nibbles: low ones are sub-block 2c, high ones sub-block 2c+1
    const q = wb + 16 + (<usize>c << 5);
    const y = xb + (<usize>c << 6);
    const p0 = v128.load(q);
    const p1 = v128.load(q + 16);
    const word = c < 2 ? scLo : scHi;
    const shift = (c & 1) << 4;
    const a = i16x8.add(dot16Unsigned(v128.and(p0, low), v128.load(y)), dot16Unsigned(v128.and(p1, low), v128.load(y + 16)));
    const h = i16x8.add(dot16Unsigned(i8x16.shr_u(p0, 4), v128.load(y + 32)), dot16Unsigned(i8x16.shr_u(p1, 4), v128.load(y + 48)));
    acc = i32x4.add(acc, i32x4.dot_i16x8_s(a, i16x8.splat(<i16>((word >> shift) & 0xff))));
    acc = i32x4.add(acc, i32x4.dot_i16x8_s(h, i16x8.splat(<i16>((word >> (shift + 8)) & 0xff))));
  }
  return acc;
}
/** The second result of {@link q4KBlock} (AssemblyScript functions return one value). */
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
 * scale bytes, 128 nibble bytes), repacked by {@link repackRows4}, four weight rows at a time: each block's
 * four integer sums leave as one vector (one lane per row), scaled by the
 * rows' d and dmin in f32 lanes.
 */
export function matmulQ4_K(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize, j0: i32, j1: i32): void {
  const blocks = k >> 8;
  const rowBytes = <usize>blocks * 144;
  const low = i8x16.splat(0x0f);
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const w0 = w + <usize>j * rowBytes;
    for (let i = 0; i < m; i++) {
      let acc = f32x4.splat(0);
      for (let b = 0; b < blocks; b++) {
        // the group's four rows keep block b side by side (repackRows4)
        const b0 = w0 + <usize>b * 576;
        const xb = xq + <usize>i * <usize>k + (<usize>b << 8);
        const bsums = bsums32(xs + ((<usize>i * <usize>(k >> 4) + (<usize>b << 4)) << 2));
        const dy = f32x4.splat(load<f32>(xd + ((<usize>i * <usize>blocks + <usize>b) << 2)));
        const s0 = q4KBlock(b0, xb, bsums, low);
        const m0 = minsOut;
        const s1 = q4KBlock(b0 + 144, xb, bsums, low);
        const m1 = minsOut;
        const s2 = q4KBlock(b0 + 288, xb, bsums, low);
        const m2 = minsOut;
        const s3 = q4KBlock(b0 + 432, xb, bsums, low);
        const m3 = minsOut;
        const d = halves4(b0, b0 + 144, b0 + 288, b0 + 432);
        const dmin = halves4(b0 + 2, b0 + 146, b0 + 290, b0 + 434);
        const scaled = f32x4.mul(f32x4.mul(dy, d), f32x4.convert_i32x4_s(sum4(s0, s1, s2, s3)));
        acc = f32x4.add(acc, f32x4.sub(scaled, f32x4.mul(f32x4.mul(dy, dmin), f32x4.convert_i32x4_s(sum4(m0, m1, m2, m3)))));
      }
      v128.store(out + ((<usize>i * <usize>n + <usize>j) << 2), acc);
    }
  }
  // rows left over when n is not a multiple of four
  for (; j < j1; j++) {
    const wr = w + <usize>j * rowBytes;
    for (let i = 0; i < m; i++) {
      let s: f32 = 0;
      for (let b = 0; b < blocks; b++) {
        const wb = wr + <usize>b * 144;
        const xb = xq + <usize>i * <usize>k + (<usize>b << 8);
        const bsums = bsums32(xs + ((<usize>i * <usize>(k >> 4) + (<usize>b << 4)) << 2));
        const dy = load<f32>(xd + ((<usize>i * <usize>blocks + <usize>b) << 2));
        const sumi = hsumI32(q4KBlock(wb, xb, bsums, low));
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

/** Σ_g scale_g · sum_g over a block's 16 groups of 16 (the offset term), for the activation sums at `sums`. */
@inline function q6KOffset(scales: v128, sums: usize): v128 {
  return i32x4.add(
    i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(scales), i16x8.narrow_i32x4_s(v128.load(sums), v128.load(sums + 16))),
    i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(scales), i16x8.narrow_i32x4_s(v128.load(sums + 32), v128.load(sums + 48))),
  );
}

/** The four 16-quant groups' products with one activation row `y` (this half's 128 quants), scaled by the groups' int8 scales at `sc`. */
@inline function q6KGroups(acc: v128, q1: v128, q2: v128, q3: v128, q4: v128, y: usize, l: i32, sc: usize): v128 {
  const is = <usize>(l >> 4);
  acc = i32x4.add(acc, i32x4.dot_i16x8_s(dot16Unsigned(q1, v128.load(y + l)), i16x8.splat(<i16>load<i8>(sc + is))));
  acc = i32x4.add(acc, i32x4.dot_i16x8_s(dot16Unsigned(q2, v128.load(y + 32 + l)), i16x8.splat(<i16>load<i8>(sc + is + 2))));
  acc = i32x4.add(acc, i32x4.dot_i16x8_s(dot16Unsigned(q3, v128.load(y + 64 + l)), i16x8.splat(<i16>load<i8>(sc + is + 4))));
  return i32x4.add(acc, i32x4.dot_i16x8_s(dot16Unsigned(q4, v128.load(y + 96 + l)), i16x8.splat(<i16>load<i8>(sc + is + 6))));
}

/**
 * out[i .. i+acts, j] for Q6_K weight row j (`acts` 1 or 4, constant at each
 * inlined call): each weight block's quants are unpacked once for all the
 * activation rows, as four 16-quant groups at a time.
 */
@inline function q6KRows(xq: usize, xd: usize, xs: usize, w: usize, out: usize, i: i32, j: i32, k: i32, n: i32, f16: usize, acts: i32): void {
  const blocks = k >> 8;
  const wr = w + <usize>j * <usize>blocks * 210;
  const low = i8x16.splat(0x0f);
  const three = i8x16.splat(3);
  const sumsRow = <usize>(k >> 4) << 2;
  let s0: f32 = 0;
  let s1: f32 = 0;
  let s2: f32 = 0;
  let s3: f32 = 0;
  for (let b = 0; b < blocks; b++) {
    const wb = wr + <usize>b * 210;
    const x0 = xq + <usize>i * <usize>k + (<usize>b << 8);
    let acc0 = i32x4.splat(0);
    let acc1 = i32x4.splat(0);
    let acc2 = i32x4.splat(0);
    let acc3 = i32x4.splat(0);
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
        acc0 = q6KGroups(acc0, q1, q2, q3, q4, y, l, sc);
        if (acts > 1) {
          acc1 = q6KGroups(acc1, q1, q2, q3, q4, y + <usize>k, l, sc);
          acc2 = q6KGroups(acc2, q1, q2, q3, q4, y + 2 * <usize>k, l, sc);
          acc3 = q6KGroups(acc3, q1, q2, q3, q4, y + 3 * <usize>k, l, sc);
        }
      }
    }
    // the offset of 32 returns through the activation sums of each group
    const scales = v128.load(wb + 192);
    const d = half(f16, wb + 208);
    const sums = xs + <usize>i * sumsRow + (<usize>b << 6);
    const dy = xd + ((<usize>i * <usize>blocks + <usize>b) << 2);
    const dyRow = <usize>blocks << 2;
    s0 += load<f32>(dy) * d * <f32>hsumI32(i32x4.sub(acc0, i32x4.shl(q6KOffset(scales, sums), 5)));
    if (acts > 1) {
      s1 += load<f32>(dy + dyRow) * d * <f32>hsumI32(i32x4.sub(acc1, i32x4.shl(q6KOffset(scales, sums + sumsRow), 5)));
      s2 += load<f32>(dy + 2 * dyRow) * d * <f32>hsumI32(i32x4.sub(acc2, i32x4.shl(q6KOffset(scales, sums + 2 * sumsRow), 5)));
      s3 += load<f32>(dy + 3 * dyRow) * d * <f32>hsumI32(i32x4.sub(acc3, i32x4.shl(q6KOffset(scales, sums + 3 * sumsRow), 5)));
    }
  }
  const o = out + ((<usize>i * <usize>n + <usize>j) << 2);
  const oRow = <usize>n << 2;
  store<f32>(o, s0);
  if (acts > 1) {
    store<f32>(o + oRow, s1);
    store<f32>(o + 2 * oRow, s2);
    store<f32>(o + 3 * oRow, s3);
  }
}
