// f16 activations (F16 weights): llama.cpp converts the row to f16 first (RNE).
// Needs lib/half.wgsl. Needs act/unblocked.wgsl.

const ACT_BLOCK: u32 = 0u;

fn round_act(x: f32) -> f32 {
  return round_f16(x);
}
