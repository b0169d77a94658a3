// f32 activations (F32 weights): used as they are.
// Needs act/unblocked.wgsl.

const ACT_BLOCK: u32 = 0u;

fn round_act(x: f32) -> f32 {
  return x;
}
