// BF16 weights read two a word: decode(p, s) gives elements 2s and 2s + 1 of
// the row whose bytes start at p, as f32 (bf16 is the top half of an f32).
// For rows that start at a multiple of 4 bytes with K even; weights/bf16.wgsl
// reads any row.
// Needs lib/bytes.wgsl (w_word).

const SEG: u32 = 2u;

fn decode(p: u32, s: u32) -> array<f32, SEG> {
  let word = w_word((p >> 2u) + s);
  return array<f32, SEG>(bitcast<f32>(word << 16u), bitcast<f32>(word & 0xffff0000u));
}
