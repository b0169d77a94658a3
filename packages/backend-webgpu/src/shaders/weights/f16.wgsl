// F16 weights: decode(p, s) gives segment s (SEG elements) of the row whose
// bytes start at p, as f32. Rows start at even bytes.
// Needs lib/bytes.wgsl (W, w_*).

const SEG: u32 = 1u;

fn decode(p: u32, s: u32) -> array<f32, SEG> {
  return array<f32, SEG>(w_f16(p + 2u * s));
}
