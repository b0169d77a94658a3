// The block hooks of an activation type without blocks (f32, f16, bf16):
// the kernel's `ACT_BLOCK > 0` branch never runs for them.

fn act_block_scales(start: u32) -> vec3<f32> {
  return vec3<f32>(1.0, 1.0, 1.0);
}

fn act_quantize(x: f32, inverse_scale: f32) -> f32 {
  return x;
}
