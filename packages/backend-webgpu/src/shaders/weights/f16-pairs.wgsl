// F16 weights read two a word: decode(p, s) gives elements 2s and 2s + 1 of
// the row whose bytes start at p, as f32 (exact). For rows that start at a
// multiple of 4 bytes with K even; weights/f16.wgsl reads any row.
// Needs lib/bytes.wgsl (w_word).

const SEG: u32 = 2u;

fn decode(p: u32, s: u32) -> array<f32, SEG> {
  let pair = unpack2x16float(w_word((p >> 2u) + s));
  return array<f32, SEG>(pair.x, pair.y);
}
