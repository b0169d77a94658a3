// Q4_0 weights: decode(p, s) gives segment s (SEG elements) of the row whose
// bytes start at p, as f32. Block (18 bytes): d f16 | qs[16]; low nibbles are elements 0..15,\n// high nibbles 16..31; value = (q - 8) * d.
// Needs lib/bytes.wgsl (W, w_*).

const SEG: u32 = 32u;

fn decode(p: u32, s: u32) -> array<f32, SEG> {
  let blk = p + s * 18u;
  let d = w_f16(blk);
  var out: array<f32, SEG>;
  for (var j = 0u; j < 4u; j++) {
    let word = w_u32(blk + 2u + 4u * j);
    for (var i = 0u; i < 4u; i++) {
      let q = byte_of(word, i);
      out[4u * j + i] = (f32(q & 0xfu) - 8.0) * d;
      out[4u * j + i + 16u] = (f32(q >> 4u) - 8.0) * d;
    }
  }
  return out;
}
