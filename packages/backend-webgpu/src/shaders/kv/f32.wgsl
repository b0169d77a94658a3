// An f32 KV cache: KC and VC as f32 arrays (declared by kernels.ts's
// cacheBindings), q used as it is.

fn k_at(e: u32) -> f32 {
  return KC[e];
}

fn v_at(e: u32) -> f32 {
  return VC[e];
}

fn round_q(x: f32) -> f32 {
  return x;
}
