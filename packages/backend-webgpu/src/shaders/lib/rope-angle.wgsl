// The rotation of rotary position embedding: (cos, sin) of pos / theta^(2i / hd) / ff
// for pair i of a head, ff its frequency factor (1 without; Llama 3's rope_freqs).
// The angle is reduced to [-pi, pi] before sin and cos (long positions give
// angles in the thousands of radians).

const TWO_PI_HI: f32 = 6.28125;
const TWO_PI_LO: f32 = 0.0019353071795864769;

fn rope_cos_sin(pos: i32, i: u32, hd: u32, log2_theta: f32, ff: f32) -> vec2<f32> {
  let freq = exp2(-f32(2u * i) / f32(hd) * log2_theta);
  let angle = f32(pos) * freq / ff;
  // two-part 2π (Cody–Waite): the high part times the turn count is exact
  let turns = round(angle / 6.283185307179586);
  let reduced = (angle - turns * TWO_PI_HI) - turns * TWO_PI_LO;
  return vec2<f32>(cos(reduced), sin(reduced));
}
