// Matrix-vector and matrix-matrix products for the wasm backend, with
// WebAssembly SIMD128. All pointers are byte offsets into the imported memory.
//
// Shapes (outermost first): x [m, k] activations, w [n, k] weights (one row per
// output), out [m, n] f32. Each call computes the output columns j0 <= j < j1
// only, so a pool of threads can split one product by weight rows. Quantized
// weights keep their block layout (Q4_0 and Q4_K, repacked, are in
// matmul-q4.ts); their activations arrive quantized to Q8_0 or
// Q8_K blocks (int8 quants `xq` [m, k], f32 scales `xd`, group sums `xs`), so
// every block product is an integer dot product. `f16` points at a 65,536-entry
// f32 table of every half-precision value (scalar scale loads); four scales at
// a time convert in SIMD instead.

import { fma4, half, hsum8, hsumF32, scaledFours } from './simd';

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
