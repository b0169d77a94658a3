// Q8_0 activations (Q4_0, Q5_0, Q8_0 weights): llama.cpp's quantize_row_q8_0 on blocks of 32 of the
// staged row (the kernel's `staged`): d = amax / 127 stored as f16, q = round(x * 127 / amax)
// to nearest even. The kernel then uses q * d, what the integer dot sees.
// Needs lib/half.wgsl and the kernel's `staged(i)`.

const ACT_BLOCK: u32 = 32u;

fn round_act(x: f32) -> f32 {
  return x;
}

// (f16-rounded d, 1 / d as llama.cpp computes it, d unrounded) of the block at `start`.
fn act_block_scales(start: u32) -> vec3<f32> {
  var amax = 0.0;
  for (var i = 0u; i < 32u; i++) {
    amax = max(amax, abs(staged(start + i)));
  }
  return q8_0_scales(amax);
}

// act_block_scales of a block whose largest magnitude is amax.
fn q8_0_scales(amax: f32) -> vec3<f32> {
  let d = amax / 127.0;
  let inverse = select(0.0, 127.0 / amax, d != 0.0);
  return vec3<f32>(round_f16(d), inverse, d);
}

fn act_quantize(x: f32, inverse_scale: f32) -> f32 {
  return round(x * inverse_scale);
}
