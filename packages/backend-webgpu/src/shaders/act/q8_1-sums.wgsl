// Q8_1 activations (Q4_1, Q5_1 weights) are Q8_0's quants and scale plus a
// block sum s = f16(d * sum(q)) with d unrounded; llama.cpp's dot adds
// m * s for the weight block's min m. The kernel's q * d values sum to
// d16 * sum(q) instead, so each block gets s - d16 * sum(q), times the weight's
// min (block_min), added to its dot. Needs lib/half.wgsl and the kernel's `staged(i)`
// (already quantized: q * d16).

const ACT_SUM_CORRECTION: bool = true;

fn act_block_correction(start: u32, raw_scale: f32, scale: f32) -> f32 {
  if (scale == 0.0) {
    return 0.0;
  }
  var sum = 0.0;
  for (var i = 0u; i < 32u; i++) {
    sum += staged(start + i);
  }
  // sum = d16 * sum(q) exactly (32 products of an f16 and an int8 fit in an f32)
  let quants = round(sum / scale);
  return round_f16(raw_scale * quants) - sum;
}
