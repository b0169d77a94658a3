// Q8_0 weights: decode(p, s) gives segment s (SEG elements) of the row whose
// bytes start at p, as f32. Block (34 bytes): d f16 | qs[32] int8; value = q * d.
// Needs lib/bytes.wgsl (W, w_*).

const SEG: u32 = 32u;

fn decode(p: u32, s: u32) -> array<f32, SEG> {
  let blk = p + s * 34u;
  let d = w_f16(blk);
  var out: array<f32, SEG>;
  for (var j = 0u; j < 8u; j++) {
    let word = w_u32(blk + 2u + 4u * j);
    for (var i = 0u; i < 4u; i++) {
      out[4u * j + i] = f32(i32(word << (24u - 8u * i)) >> 24u) * d;
    }
  }
  return out;
}
