// An f16 KV cache stored as packed u32 words (two halves each, element e in
// half e % 2 of word e / 2), so no `shader-f16` is needed; q is rounded to f16
// for q·k, as the op defines (and a key or value not yet in the cache as the
// cache would store it). Reads KC and VC, declared by kernels.ts's
// cacheBindings (u32 words). Needs lib/half.wgsl.

fn k_at(e: u32) -> f32 {
  return unpack2x16float(KC[e >> 1u])[e & 1u];
}

fn v_at(e: u32) -> f32 {
  return unpack2x16float(VC[e >> 1u])[e & 1u];
}

fn round_q(x: f32) -> f32 {
  return round_f16(x);
}
