// Half precision in SIMD: f16 bits to f32 lanes, and f32 lanes rounded to f16 values.

const SIGN: i32 = 0x80000000;
/** f32 bits of 2^-14, the smallest normal f16. */
const MIN_NORMAL_F16: i32 = 0x38800000;
/** f32 bits of 65520: this and above round to infinity in f16. */
const F16_OVERFLOW: i32 = 0x477ff000;

/** Rounds four f32 lanes to the nearest f16 value (ties to even; overflow to infinity, NaN kept), kept as f32. */
@inline export function roundToF16(x: v128): v128 {
  const sign = v128.and(x, i32x4.splat(SIGN));
  const a = v128.andnot(x, i32x4.splat(SIGN));
  // normal range: round the 13 dropped mantissa bits to nearest even on the bits
  const normal = v128.and(i32x4.add(i32x4.add(a, i32x4.splat(0x0fff)), v128.and(i32x4.shr_u(a, 13), i32x4.splat(1))), i32x4.splat(~0x1fff));
  // subnormal range: adding 0.5 leaves multiples of 2^-24, f16's subnormal step
  const subnormal = f32x4.sub(f32x4.add(a, f32x4.splat(0.5)), f32x4.splat(0.5));
  let r = v128.bitselect(subnormal, normal, i32x4.lt_s(a, i32x4.splat(MIN_NORMAL_F16)));
  r = v128.bitselect(i32x4.splat(0x7f800000), r, i32x4.ge_s(a, i32x4.splat(F16_OVERFLOW)));
  // NaN stays NaN (quiet), as the scalar conversion keeps it
  r = v128.bitselect(v128.or(a, i32x4.splat(0x400000)), r, i32x4.gt_s(a, i32x4.splat(0x7f800000)));
  return v128.or(r, sign);
}

/** Four f16 values at `at` as f32 lanes (exact, subnormals and infinities included). */
@inline export function loadF16x4(at: usize): v128 {
  return halfBitsToF32(i32x4.extend_low_i16x8_u(v128.load64_zero(at)));
}

/** f16 bits in the low half of four i32 lanes as f32 lanes (exact, subnormals and infinities included). */
@inline export function halfBitsToF32(h: v128): v128 {
  const sign = i32x4.shl(v128.and(h, i32x4.splat(0x8000)), 16);
  const magnitude = i32x4.shl(v128.and(h, i32x4.splat(0x7fff)), 13);
  // moving the bits up leaves the exponent biased by 15 instead of 127: multiply by 2^112
  let f = f32x4.mul(magnitude, f32x4.splat(5.192296858534828e33));
  const special = i32x4.eq(v128.and(h, i32x4.splat(0x7c00)), i32x4.splat(0x7c00));
  f = v128.bitselect(v128.or(magnitude, i32x4.splat(0x7f800000)), f, special);
  return v128.or(f, sign);
}

