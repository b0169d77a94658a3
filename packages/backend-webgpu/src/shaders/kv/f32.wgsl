// An f32 KV cache: K and V as f32 arrays, q used as it is.

@group(0) @binding(1) var<storage, read> K: array<f32>;
@group(0) @binding(2) var<storage, read> V: array<f32>;

fn k_at(e: u32) -> f32 {
  return K[e];
}

fn v_at(e: u32) -> f32 {
  return V[e];
}

fn round_q(x: f32) -> f32 {
  return x;
}
