// Q4_1 weights: decode(p, s) gives segment s (SEG elements) of the row whose
// bytes start at p, as f32. Block (20 bytes): d f16 | m f16 | qs[16]; value = q * d + m.
// Needs lib/bytes.wgsl (W, w_*).

const SEG: u32 = 32u;

fn decode(p: u32, s: u32) -> array<f32, SEG> {
  let blk = p + s * 20u;
  let d = w_f16(blk);
  let m = w_f16(blk + 2u);
  var out: array<f32, SEG>;
  for (var j = 0u; j < 4u; j++) {
    let word = w_u32(blk + 4u + 4u * j);
    for (var i = 0u; i < 4u; i++) {
      let q = byte_of(word, i);
      out[4u * j + i] = f32(q & 0xfu) * d + m;
      out[4u * j + i + 16u] = f32(q >> 4u) * d + m;
    }
  }
  return out;
}

// The min m of the block of segment s, for the Q8_1 sum correction (act/q8_1-sums.wgsl).
fn block_min(p: u32, s: u32) -> f32 {
  return w_f16(p + s * 20u + 2u);
}
