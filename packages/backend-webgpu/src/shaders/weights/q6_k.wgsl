// Q6_K weights: decode(p, s) gives segment s (32 elements) of the row whose
// bytes start at p, as f32. A super-block of 256 holds segments 8b..8b+7.
// Super-block (210 bytes): ql[128] (low 4 bits) | qh[64] (high 2 bits) | scales[16] int8 | d f16.\n// Segment j = 4n + t: element l has its low bits in nibble t / 2 of ql[64n + 32(t % 2) + l],\n// its high bits at 2t of qh[32n + l], scale scales[8n + 2t + l / 16]; value = d * sc * (q - 32).
// Needs lib/bytes.wgsl (W, w_*).

const SEG: u32 = 32u;

fn decode(p: u32, s: u32) -> array<f32, SEG> {
  let blk = p + (s / 8u) * 210u;
  let j = s % 8u;
  let n = j / 4u;
  let t = j % 4u;
  let d = w_f16(blk + 208u);
  let d0 = d * f32(w_i8(blk + 192u + 8u * n + 2u * t));
  let d1 = d * f32(w_i8(blk + 193u + 8u * n + 2u * t));
  let ql = blk + 64u * n + 32u * (t % 2u);
  let qh = blk + 128u + 32u * n;
  let low_shift = (t / 2u) * 4u;
  var out: array<f32, SEG>;
  for (var w = 0u; w < 8u; w++) {
    let lows = w_u32(ql + 4u * w);
    let highs = w_u32(qh + 4u * w);
    let dl = select(d1, d0, w < 4u);
    for (var i = 0u; i < 4u; i++) {
      let q = ((byte_of(lows, i) >> low_shift) & 0xfu) | (((byte_of(highs, i) >> (2u * t)) & 3u) << 4u);
      out[4u * w + i] = dl * f32(i32(q) - 32);
    }
  }
  return out;
}
