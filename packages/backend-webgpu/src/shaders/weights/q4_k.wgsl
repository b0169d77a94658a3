// Q4_K weights: decode(p, s) gives segment s (32 elements) of the row whose
// bytes start at p, as f32. A super-block of 256 holds segments 8b..8b+7.
// Super-block (144 bytes): d f16 | dmin f16 | scales[12] (6-bit scale and min per segment) | qs[128];\n// segment j uses the low (j even) or high nibbles of qs[32 * (j / 2) ..]; value = d * sc * q - dmin * m.
// Needs lib/bytes.wgsl (W, w_*) and lib/kquant-scales.wgsl.

const SEG: u32 = 32u;

fn decode(p: u32, s: u32) -> array<f32, SEG> {
  let blk = p + (s / 8u) * 144u;
  let j = s % 8u;
  let sm = scale_min_k4(blk + 4u, j);
  let dl = w_f16(blk) * sm.x;
  let ml = w_f16(blk + 2u) * sm.y;
  let shift = (j % 2u) * 4u;
  let qs = blk + 16u + (j / 2u) * 32u;
  var out: array<f32, SEG>;
  for (var w = 0u; w < 8u; w++) {
    let word = w_u32(qs + 4u * w);
    for (var i = 0u; i < 4u; i++) {
      out[4u * w + i] = dl * f32((byte_of(word, i) >> shift) & 0xfu) - ml;
    }
  }
  return out;
}
