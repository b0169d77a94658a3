// Q5_0 weights: decode(p, s) gives segment s (SEG elements) of the row whose
// bytes start at p, as f32. Block (22 bytes): d f16 | qh u32 (fifth bits) | qs[16]; value = (q - 16) * d.
// Needs lib/bytes.wgsl (W, w_*).

const SEG: u32 = 32u;

fn decode(p: u32, s: u32) -> array<f32, SEG> {
  let blk = p + s * 22u;
  let d = w_f16(blk);
  let qh = w_u32(blk + 2u);
  var out: array<f32, SEG>;
  for (var j = 0u; j < 4u; j++) {
    let word = w_u32(blk + 6u + 4u * j);
    for (var i = 0u; i < 4u; i++) {
      let e = 4u * j + i;
      let q = byte_of(word, i);
      let h0 = ((qh >> e) << 4u) & 0x10u;
      let h1 = (qh >> (e + 12u)) & 0x10u;
      out[e] = (f32((q & 0xfu) | h0) - 16.0) * d;
      out[e + 16u] = (f32((q >> 4u) | h1) - 16.0) * d;
    }
  }
  return out;
}
