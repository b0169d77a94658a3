// attention_split.wgsl for one decode token with its rope and cache write
// folded in (fuse.ts's FusedRopeAttention), doing what rope_cache.wgsl and
// the split attention do in two dispatches: Q holds the unrotated q, which
// each workgroup rotates as it loads it (chunk 0's workgroups write it to
// QROT); the token's own key and value are read from KNEW and VNEW (the key
// rotated), rounded as the cache stores them, wherever the cache row POS
// would be read; and one workgroup per KV head (the first query head of its
// group, in the chunk holding row POS) writes that row into the caches and
// the rotated key to KROT. No workgroup reads row POS from the cache, so
// the write races with nothing. M must be 1 (a batch's other tokens' rows
// would be new too).
//
// Needs lib/rope-angle.wgsl, lib/rope-pair.wgsl, kv-store/<f32|f16>.wgsl and
// the cache bindings read_write.
//
// Bindings (group 0), indexed in elements from the params' offsets:
//   6: KNEW f32 [1, n_kv, hd] unrotated k    (read)
//   7: VNEW f32 [1, n_kv, hd]                 (read)
//   8: QROT f32 [1, n_head, hd] rotated q     (read_write)
//   9: KROT f32 [1, n_kv, hd] rotated k       (read_write)

@group(0) @binding(6) var<storage, read> KNEW: array<f32>;
@group(0) @binding(7) var<storage, read> VNEW: array<f32>;
@group(0) @binding(8) var<storage, read_write> QROT: array<f32>;
@group(0) @binding(9) var<storage, read_write> KROT: array<f32>;

fn query(token: u32, head: u32, chunk: u32, d: u32, pos: i32) -> f32 {
  let e = (token * params.n_head + head) * params.hd + d;
  let o = params.q_offset;
  let rotated_q = rotated(Q[o + e], Q[o + other_of(e)], e, pos);
  if (chunk == 0u) {
    QROT[params.qrot_offset + e] = rotated_q;
  }
  return round_q(rotated_q);
}

// Element e of the token's own key for KV head kv_head, rotated (not rounded).
fn new_key(token: u32, kv_head: u32, e: u32, pos: i32) -> f32 {
  let i = (token * params.n_kv + kv_head) * params.hd + e;
  let o = params.knew_offset;
  return rotated(KNEW[o + i], KNEW[o + other_of(i)], i, pos);
}

fn key_at(token: u32, row: u32, kv_head: u32, e: u32, pos: i32) -> f32 {
  if (i32(row) == pos) {
    return round_q(new_key(token, kv_head, e, pos));
  }
  return k_at(params.k_offset + (row * params.n_kv + kv_head) * params.hd + e);
}

fn value_at(token: u32, row: u32, kv_head: u32, d: u32, pos: i32) -> f32 {
  if (i32(row) == pos) {
    return round_q(VNEW[params.vnew_offset + (token * params.n_kv + kv_head) * params.hd + d]);
  }
  return v_at(params.v_offset + (row * params.n_kv + kv_head) * params.hd + d);
}

// Thread lid of the owning workgroup writes elements 2 lid, 2 lid + 1 of the
// row (one word of an f16 cache). The caches' offsets are even (fuse.ts), so
// a pair's offset from 0 is the cache's own.
fn write_new(token: u32, head: u32, chunk: u32, lid: u32, pos: i32) {
  let group = params.n_head / params.n_kv;
  if (pos < 0 || u32(pos) >= params.ctx || chunk != u32(pos) / CHUNK || head % group != 0u || 2u * lid >= params.hd) {
    return;
  }
  let kv_head = head / group;
  let e = 2u * lid;
  let a = new_key(token, kv_head, e, pos);
  let b = new_key(token, kv_head, e + 1u, pos);
  let i = (token * params.n_kv + kv_head) * params.hd + e;
  KROT[params.krot_offset + i] = a;
  KROT[params.krot_offset + i + 1u] = b;
  let cell = (u32(pos) * params.n_kv + kv_head) * params.hd + e;
  store_k(0u, params.k_offset + cell, a, b);
  store_v(0u, params.v_offset + cell, VNEW[params.vnew_offset + i], VNEW[params.vnew_offset + i + 1u]);
}
