// attention_split.wgsl for one decode token with its rope folded in (fuse.ts's
// FusedRopeAttention): Q holds the unrotated q, which each workgroup rotates
// as it loads it (chunk 0's workgroups write it to QROT); the workgroups of
// the chunk holding cache row POS stage the token's own key (rotated) and
// value from KNEW and VNEW and read them, rounded as the cache stores them,
// wherever row POS would be read; the first query head of each KV group
// writes the rotated key to KROT. The caches stay read-only here, so no
// read races with the row's write: attention-store/cache.wgsl writes it in
// the merge dispatch. M must be 1 (a batch's other tokens' rows would be
// new too).
//
// Needs lib/rope-angle.wgsl and lib/rope-pair.wgsl.
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

// the token's own key (rotated) and value, staged where this chunk holds row POS
var<workgroup> new_k: array<f32, WG>;
var<workgroup> new_v: array<f32, WG>;

fn prepare(token: u32, head: u32, chunk: u32, d: u32, pos: i32) -> f32 {
  let e = (token * params.n_head + head) * params.hd + d;
  let group = params.n_head / params.n_kv;
  let i = (token * params.n_kv + head / group) * params.hd + d;
  // the token's k and v are loaded by every workgroup, so no load waits on pos
  let k = KNEW[params.knew_offset + i];
  let k_other = KNEW[params.knew_offset + other_of(i)];
  let v = VNEW[params.vnew_offset + i];
  let rotated_q = rotated(Q[params.q_offset + e], Q[params.q_offset + other_of(e)], e, pos);
  if (chunk == 0u) {
    QROT[params.qrot_offset + e] = rotated_q;
  }
  if (pos >= 0 && chunk == u32(pos) / CHUNK) {
    let rotated_k = rotated(k, k_other, i, pos);
    new_k[d] = rotated_k;
    new_v[d] = v;
    if (head % group == 0u) {
      KROT[params.krot_offset + i] = rotated_k;
    }
  }
  return round_q(rotated_q);
}

// The cache's row is loaded for the token's own row too (stale there: the
// merge writes it), so that no load waits on a branch and a thread's loads
// over its keys stay in flight together.
fn key_at(row: u32, kv_head: u32, e: u32, pos: i32) -> f32 {
  let cached = k_at(params.k_offset + (row * params.n_kv + kv_head) * params.hd + e);
  return select(cached, round_q(new_k[e]), i32(row) == pos);
}

fn value_at(row: u32, kv_head: u32, d: u32, pos: i32) -> f32 {
  let cached = v_at(params.v_offset + (row * params.n_kv + kv_head) * params.hd + d);
  return select(cached, round_q(new_v[d]), i32(row) == pos);
}
