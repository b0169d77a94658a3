// Small SIMD helpers the kernels share.

/** Sum of the four f32 lanes. */
@inline export function hsumF32(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/**
 * hsum_float_8 of eight f32 lanes held as `lo` (lanes 0-3) and `hi` (4-7):
 * lanes 4-7 onto 0-3, then (0 + 2) + (1 + 3).
 */
@inline export function hsum8(lo: v128, hi: v128): f32 {
  const four = f32x4.add(hi, lo);
  return (f32x4.extract_lane(four, 0) + f32x4.extract_lane(four, 2)) + (f32x4.extract_lane(four, 1) + f32x4.extract_lane(four, 3));
}

/** Sum of the four i32 lanes. */
@inline export function hsumI32(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}

/** The f16 value at `at`, through `f16`, a 65,536-entry f32 table of every half-precision value. */
@inline export function half(f16: usize, at: usize): f32 {
  return load<f32>(f16 + (<usize>load<u16>(at) << 2));
}

/**
 * i16 lanes summing to Σ w · x over 16 elements (which elements share a lane
 * differs: adjacent pairs with relaxed SIMD, i and i + 8 without), for unsigned weights `w` of
 * at most 7 bits and int8 activations `x`; every lane is at most 2 · 127 · |w|.
 * With relaxed SIMD one dot instruction (nibbles and 5/6-bit quants fit its
 * 7-bit operand), in the i16x8 form: on x86 that is one pmaddubsw. (The
 * i32x4 `_add` form was miscompiled by Node 20's V8 inside the four-row Q4_0
 * tile; the relaxed-versus-plain test caught it.)
 */
@inline export function dot16Unsigned(w: v128, x: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i16x8.relaxed_dot_i8x16_i7x16_s(x, w);
  return i16x8.add(i16x8.extmul_low_i8x16_s(w, x), i16x8.extmul_high_i8x16_s(w, x));
}

/**
 * a · b + c in four f32 lanes with one rounding, as x86's fused multiply-add
 * (llama.cpp's kernels round there, so we must too). Relaxed SIMD's madd is
 * fused on every host with FMA hardware; without relaxed SIMD the sum is
 * formed in f64, where the product of two f32 values is exact.
 */
@inline export function fma4(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  const lo = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(a), f64x2.promote_low_f32x4(b)), f64x2.promote_low_f32x4(c));
  const ah = i32x4.shuffle(a, a, 2, 3, 0, 1);
  const bh = i32x4.shuffle(b, b, 2, 3, 0, 1);
  const ch = i32x4.shuffle(c, c, 2, 3, 0, 1);
  const hi = f64x2.add(f64x2.mul(f64x2.promote_low_f32x4(ah), f64x2.promote_low_f32x4(bh)), f64x2.promote_low_f32x4(ch));
  return i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** Σ q·x over each four consecutive of 16 elements (the lanes of ggml's AVX2 dots): unsigned quants `q` (at most 7 bits), int8 activations `x`. */
@inline export function fours(q: v128, x: v128): v128 {
  // the relaxed dot sums adjacent pairs
  if (ASC_FEATURE_RELAXED_SIMD) return i32x4.extadd_pairwise_i16x8_s(dot16Unsigned(q, x));
  // dot16Unsigned's plain form pairs element i with i + 8, so build adjacent pairs here
  const low = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(q), i16x8.extend_low_i8x16_s(x));
  const high = i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(q), i16x8.extend_high_i8x16_s(x));
  return i32x4.add(i32x4.shuffle(low, high, 0, 2, 4, 6), i32x4.shuffle(low, high, 1, 3, 5, 7));
}

/** {@link fours} times `scale`: with relaxed SIMD one i16 dot against the splatted scale. */
@inline export function scaledFours(q: v128, x: v128, scale: i32): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i32x4.dot_i16x8_s(dot16Unsigned(q, x), i16x8.splat(<i16>scale));
  return i32x4.mul(fours(q, x), i32x4.splat(scale));
}

/**
 * Row sums of 32 products for weights interleaved by four-byte words: each
 * `c0`..`c7` holds, in lane r, four consecutive unsigned weights (at most 4
 * bits) of weight row r, and `cv` multiplies the four int8 activations at
 * x + 4v, splatted across the vector. Returns i16 lanes 2r and 2r + 1 summing
 * to row r's share (each lane at most 8 · 2 · 127 · 15 = 30,480, so no
 * overflow): the activation bytes are loaded once for four weight rows and no
 * horizontal sum is needed.
 */
@inline export function rowPairs32(x: usize, c0: v128, c1: v128, c2: v128, c3: v128, c4: v128, c5: v128, c6: v128, c7: v128): v128 {
  // two loads, then each four-byte group splatted by one shuffle (cheaper in V8 than eight splatting loads)
  const a = v128.load(x);
  const b = v128.load(x, 16);
  const x0 = i32x4.shuffle(a, a, 0, 0, 0, 0);
  const x1 = i32x4.shuffle(a, a, 1, 1, 1, 1);
  const x2 = i32x4.shuffle(a, a, 2, 2, 2, 2);
  const x3 = i32x4.shuffle(a, a, 3, 3, 3, 3);
  const x4 = i32x4.shuffle(b, b, 0, 0, 0, 0);
  const x5 = i32x4.shuffle(b, b, 1, 1, 1, 1);
  const x6 = i32x4.shuffle(b, b, 2, 2, 2, 2);
  const x7 = i32x4.shuffle(b, b, 3, 3, 3, 3);
  if (ASC_FEATURE_RELAXED_SIMD) {
    // one pmaddubsw on x86 each: adjacent products summed, so lanes 2r, 2r+1 stay within row r
    let s = i16x8.relaxed_dot_i8x16_i7x16_s(x0, c0);
    s = i16x8.add(s, i16x8.relaxed_dot_i8x16_i7x16_s(x1, c1));
    s = i16x8.add(s, i16x8.relaxed_dot_i8x16_i7x16_s(x2, c2));
    s = i16x8.add(s, i16x8.relaxed_dot_i8x16_i7x16_s(x3, c3));
    s = i16x8.add(s, i16x8.relaxed_dot_i8x16_i7x16_s(x4, c4));
    s = i16x8.add(s, i16x8.relaxed_dot_i8x16_i7x16_s(x5, c5));
    s = i16x8.add(s, i16x8.relaxed_dot_i8x16_i7x16_s(x6, c6));
    return i16x8.add(s, i16x8.relaxed_dot_i8x16_i7x16_s(x7, c7));
  }
  // plain SIMD: every product keeps its own i16 lane (rows 0-1 in `lo`, 2-3 in `hi`), paired once at the end
  let lo = i16x8.extmul_low_i8x16_s(c0, x0);
  let hi = i16x8.extmul_high_i8x16_s(c0, x0);
  lo = i16x8.add(lo, i16x8.extmul_low_i8x16_s(c1, x1));
  hi = i16x8.add(hi, i16x8.extmul_high_i8x16_s(c1, x1));
  lo = i16x8.add(lo, i16x8.extmul_low_i8x16_s(c2, x2));
  hi = i16x8.add(hi, i16x8.extmul_high_i8x16_s(c2, x2));
  lo = i16x8.add(lo, i16x8.extmul_low_i8x16_s(c3, x3));
  hi = i16x8.add(hi, i16x8.extmul_high_i8x16_s(c3, x3));
  lo = i16x8.add(lo, i16x8.extmul_low_i8x16_s(c4, x4));
  hi = i16x8.add(hi, i16x8.extmul_high_i8x16_s(c4, x4));
  lo = i16x8.add(lo, i16x8.extmul_low_i8x16_s(c5, x5));
  hi = i16x8.add(hi, i16x8.extmul_high_i8x16_s(c5, x5));
  lo = i16x8.add(lo, i16x8.extmul_low_i8x16_s(c6, x6));
  hi = i16x8.add(hi, i16x8.extmul_high_i8x16_s(c6, x6));
  lo = i16x8.add(lo, i16x8.extmul_low_i8x16_s(c7, x7));
  hi = i16x8.add(hi, i16x8.extmul_high_i8x16_s(c7, x7));
  return i16x8.add(
    i8x16.shuffle(lo, hi, 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29),
    i8x16.shuffle(lo, hi, 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31),
  );
}

/** The f32 chain `acc` at `at` advanced by ints · d with one rounding (a fused multiply-add), as llama.cpp's kernels accumulate. */
@inline export function chainStep(at: usize, ints: v128, d: v128): void {
  v128.store(at, fma4(f32x4.convert_i32x4_s(ints), d, v128.load(at)));
}
