// Q5_1 weights: decode(p, s) gives segment s (SEG elements) of the row whose
// bytes start at p, as f32. Block (24 bytes): d f16 | m f16 | qh u32 | qs[16]; value = q * d + m.
// Needs lib/bytes.wgsl (W, w_*).

const SEG: u32 = 32u;

fn decode(p: u32, s: u32) -> array<f32, SEG> {
  let blk = p + s * 24u;
  let d = w_f16(blk);
  let m = w_f16(blk + 2u);
  let qh = w_u32(blk + 4u);
  var out: array<f32, SEG>;
  for (var j = 0u; j < 4u; j++) {
    let word = w_u32(blk + 8u + 4u * j);
    for (var i = 0u; i < 4u; i++) {
      let e = 4u * j + i;
      let q = byte_of(word, i);
      let h0 = ((qh >> e) << 4u) & 0x10u;
      let h1 = (qh >> (e + 12u)) & 0x10u;
      out[e] = f32((q & 0xfu) | h0) * d + m;
      out[e + 16u] = f32((q >> 4u) | h1) * d + m;
    }
  }
  return out;
}

// The min m of the block of segment s, for the Q8_1 sum correction (act/q8_1-sums.wgsl).
fn block_min(p: u32, s: u32) -> f32 {
  return w_f16(p + s * 24u + 2u);
}
