// The packed 6-bit scales and mins of Q4_K and Q5_K super-blocks.
// Needs lib/bytes.wgsl.

// ggml's get_scale_min_k4: the 6-bit scale and min of segment j, from the 12 bytes at `at`.
fn scale_min_k4(at: u32, j: u32) -> vec2<f32> {
  if (j < 4u) {
    return vec2<f32>(f32(w_byte(at + j) & 63u), f32(w_byte(at + j + 4u) & 63u));
  }
  let sc = (w_byte(at + j + 4u) & 0xfu) | ((w_byte(at + j - 4u) >> 6u) << 4u);
  let m = (w_byte(at + j + 4u) >> 4u) | ((w_byte(at + j) >> 6u) << 4u);
  return vec2<f32>(f32(sc), f32(m));
}
