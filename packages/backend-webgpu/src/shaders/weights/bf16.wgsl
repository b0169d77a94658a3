// BF16 weights: decode(p, s) gives segment s (SEG elements) of the row whose
// bytes start at p, as f32. bf16 is the top half of an f32.
// Needs lib/bytes.wgsl (W, w_*).

const SEG: u32 = 1u;

fn decode(p: u32, s: u32) -> array<f32, SEG> {
  return array<f32, SEG>(bitcast<f32>(w_u16(p + 2u * s) << 16u));
}
