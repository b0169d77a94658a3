// f32 -> f16 and bf16 rounding to nearest, ties to even, in integer arithmetic:
// WGSL leaves the rounding of pack2x16float to the implementation, and the
// contract's f16 cache and llama.cpp's f16/bf16 activations need RNE exactly.

fn f16_bits(x: f32) -> u32 {
  let b = bitcast<u32>(x);
  let sign = (b >> 16u) & 0x8000u;
  let exp_field = (b >> 23u) & 0xffu;
  let mant = b & 0x7fffffu;
  if (exp_field == 0xffu) {
    return sign | 0x7c00u | select(0u, 0x200u, mant != 0u);
  }
  let e = i32(exp_field) - 112; // rebias 127 -> 15
  if (e >= 31) {
    return sign | 0x7c00u;
  }
  if (e <= 0) {
    if (e < -10) {
      return sign;
    }
    // subnormal half: the 24-bit significand shifted into units of 2^-24
    let full = mant | 0x800000u;
    let shift = u32(14 - e);
    let kept = full >> shift;
    let rest = full & ((1u << shift) - 1u);
    let halfway = 1u << (shift - 1u);
    let up = rest > halfway || (rest == halfway && (kept & 1u) == 1u);
    return sign | (kept + select(0u, 1u, up));
  }
  let kept = (u32(e) << 10u) | (mant >> 13u);
  let rest = mant & 0x1fffu;
  let up = rest > 0x1000u || (rest == 0x1000u && (kept & 1u) == 1u);
  // a carry out of the mantissa correctly bumps the exponent (or reaches infinity)
  return sign | (kept + select(0u, 1u, up));
}

fn round_f16(x: f32) -> f32 {
  return unpack2x16float(f16_bits(x)).x;
}

fn round_bf16(x: f32) -> f32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) {
    return x;
  }
  return bitcast<f32>(((b + 0x7fffu + ((b >> 16u) & 1u)) >> 16u) << 16u);
}
