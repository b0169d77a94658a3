// attention_split.wgsl reading everything as given: q from Q, every key and
// value from the cache (the token's rope and cache write ran before, in
// rope_cache.wgsl or as their own ops).

// Element d of q as q·k takes it (called by threads d < hd before the workgroup's first barrier).
fn prepare(token: u32, head: u32, chunk: u32, d: u32, pos: i32) -> f32 {
  return round_q(Q[params.q_offset + (token * params.n_head + head) * params.hd + d]);
}

// Element e of cache row `row`'s key for KV head kv_head.
fn key_at(row: u32, kv_head: u32, e: u32, pos: i32) -> f32 {
  return k_at(params.k_offset + (row * params.n_kv + kv_head) * params.hd + e);
}

fn value_at(row: u32, kv_head: u32, d: u32, pos: i32) -> f32 {
  return v_at(params.v_offset + (row * params.n_kv + kv_head) * params.hd + d);
}
