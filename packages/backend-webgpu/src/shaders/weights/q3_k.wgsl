// Q3_K weights: decode(p, s) gives segment s (32 elements) of the row whose
// bytes start at p, as f32. A super-block of 256 holds segments 8b..8b+7.
// Super-block (110 bytes): hmask[32] | qs[64] (low 2 bits) | scales[12] (sixteen 6-bit) | d f16.\n// Segment j = 4n + t: element l is bits 2t of qs[32n + l], minus 4 unless bit j of hmask[l] is set,\n// with scale 8n + 2t + l / 16; value = d * (scale - 32) * q.
// Needs lib/bytes.wgsl (W, w_*).

const SEG: u32 = 32u;

// Scale i (0..15) from the 12 packed bytes at `at` (ggml's kmask shuffle, one scale at a time):
// low 4 bits from byte (i / 4 % 2) * 4 + i % 4 (its high nibble for i >= 8), high 2 bits from byte 8 + i % 4.
fn q3_scale(at: u32, i: u32) -> f32 {
  let grp = i / 4u;
  let k = i % 4u;
  let low = (w_byte(at + (grp & 1u) * 4u + k) >> ((grp >> 1u) * 4u)) & 0xfu;
  let high = (w_byte(at + 8u + k) >> (2u * grp)) & 3u;
  return f32(i32(low | (high << 4u)) - 32);
}

fn decode(p: u32, s: u32) -> array<f32, SEG> {
  let blk = p + (s / 8u) * 110u;
  let j = s % 8u;
  let n = j / 4u;
  let t = j % 4u;
  let d = w_f16(blk + 108u);
  let d0 = d * q3_scale(blk + 96u, 8u * n + 2u * t);
  let d1 = d * q3_scale(blk + 96u, 8u * n + 2u * t + 1u);
  let qs = blk + 32u + 32u * n;
  var out: array<f32, SEG>;
  for (var w = 0u; w < 8u; w++) {
    let word = w_u32(qs + 4u * w);
    let mask = w_u32(blk + 4u * w);
    let dl = select(d1, d0, w < 4u);
    for (var i = 0u; i < 4u; i++) {
      let low = i32((byte_of(word, i) >> (2u * t)) & 3u);
      let high_set = ((byte_of(mask, i) >> j) & 1u) == 1u;
      out[4u * w + i] = dl * f32(low - select(4, 0, high_set));
    }
  }
  return out;
}
