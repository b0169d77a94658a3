// Q8_K activations (k-quant weights): llama.cpp's quantize_row_q8_K on blocks
// of 256 of the staged row (the kernel's `staged`): iscale = -127 / max by the signed extreme,
// q = min(127, round(iscale * x)) to nearest even, d = 1 / iscale (f32); an
// all-zero block has d = 0. The kernel then uses q * d.
// Needs the kernel's `staged(i)`.

const ACT_BLOCK: u32 = 256u;

fn round_act(x: f32) -> f32 {
  return x;
}

// (d, iscale, d) of the block at `start`.
fn act_block_scales(start: u32) -> vec3<f32> {
  var amax = 0.0;
  var extreme = 0.0;
  for (var i = 0u; i < 256u; i++) {
    let v = staged(start + i);
    if (abs(v) > amax) {
      amax = abs(v);
      extreme = v;
    }
  }
  if (amax == 0.0) {
    return vec3<f32>(0.0, 0.0, 0.0);
  }
  let iscale = -127.0 / extreme;
  return vec3<f32>(1.0 / iscale, iscale, 1.0 / iscale);
}

fn act_quantize(x: f32, inverse_scale: f32) -> f32 {
  return min(127.0, round(inverse_scale * x));
}
