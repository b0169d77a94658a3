// An f16 KV cache stored as packed u32 words (two halves each, element e in
// half e % 2 of word e / 2), so no `shader-f16` is needed; q is rounded to f16
// for q·k, as the op defines. Needs lib/half.wgsl.

@group(0) @binding(1) var<storage, read> K: array<u32>;
@group(0) @binding(2) var<storage, read> V: array<u32>;

fn k_at(e: u32) -> f32 {
  return unpack2x16float(K[e >> 1u])[e & 1u];
}

fn v_at(e: u32) -> f32 {
  return unpack2x16float(V[e >> 1u])[e & 1u];
}

fn round_q(x: f32) -> f32 {
  return round_f16(x);
}
