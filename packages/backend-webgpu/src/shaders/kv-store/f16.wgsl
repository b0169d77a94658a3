// Writes into an f16 KV cache stored as packed u32 words, as copy_f16.wgsl
// writes it: elements e and e + 1 (e even) are one word, rounded to nearest
// even, counted from `offset` (words). KC and VC are declared read_write by
// kernels.ts's cacheBindings. Needs lib/half.wgsl.

fn store_k(offset: u32, e: u32, a: f32, b: f32) {
  KC[offset + e / 2u] = f16_bits(a) | (f16_bits(b) << 16u);
}

fn store_v(offset: u32, e: u32, a: f32, b: f32) {
  VC[offset + e / 2u] = f16_bits(a) | (f16_bits(b) << 16u);
}
