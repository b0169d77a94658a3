// Activation types whose blocks carry no sum (all but Q8_1): no correction.

const ACT_SUM_CORRECTION: bool = false;

fn act_block_correction(start: u32, raw_scale: f32, scale: f32) -> f32 {
  return 0.0;
}
