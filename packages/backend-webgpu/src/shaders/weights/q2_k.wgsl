// Q2_K weights: decode(p, s) gives segment s (32 elements) of the row whose
// bytes start at p, as f32. A super-block of 256 holds segments 8b..8b+7.
// Super-block (84 bytes): scales[16] (4-bit scale | 4-bit min) | qs[64] (2 bits each) | d f16 | dmin f16.\n// Segment j = 4n + t: element l is bits 2t of qs[32n + l], with scale byte 8n + 2t + l / 16;\n// value = d * (sc & 15) * q - dmin * (sc >> 4).
// Needs lib/bytes.wgsl (W, w_*).

const SEG: u32 = 32u;

fn decode(p: u32, s: u32) -> array<f32, SEG> {
  let blk = p + (s / 8u) * 84u;
  let j = s % 8u;
  let n = j / 4u;
  let t = j % 4u;
  let d = w_f16(blk + 80u);
  let dmin = w_f16(blk + 82u);
  let sc0 = w_byte(blk + 8u * n + 2u * t);
  let sc1 = w_byte(blk + 8u * n + 2u * t + 1u);
  let qs = blk + 16u + 32u * n;
  var out: array<f32, SEG>;
  for (var w = 0u; w < 8u; w++) {
    let word = w_u32(qs + 4u * w);
    let sc = select(sc1, sc0, w < 4u);
    let dl = d * f32(sc & 0xfu);
    let ml = dmin * f32(sc >> 4u);
    for (var i = 0u; i < 4u; i++) {
      out[4u * w + i] = dl * f32((byte_of(word, i) >> (2u * t)) & 3u) - ml;
    }
  }
  return out;
}
