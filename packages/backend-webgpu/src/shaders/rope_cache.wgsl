// The start of attention in one dispatch (fuse.ts's rope-and-cache fold):
// q_rot = rope(q), k_rot = rope(k), and k_rot and v copied into cache rows
// pos[t], as rope.wgsl and copy_<f32|f16>.wgsl would do in four dispatches.
// Each thread takes two neighbouring elements (one word of an f16 cache) of
// q, k or v; rotating an element needs only its pair's other element, so the
// two may belong to different pairs (the 'half' mode).
//
// Composed with lib/rope-angle.wgsl, lib/rope-pair.wgsl (rotated, other_of),
// lib/half.wgsl, kv-store/<f32|f16>.wgsl (store_k, store_v) and the cache
// bindings KC, VC (read_write) that kernels.ts declares.
//
// Bindings (group 0), indexed from the params' offsets:
//   0: Q    f32 [M, heads_q, hd]  (read)      1: QROT f32 [M, heads_q, hd] (read_write)
//   2: K    f32 [M, heads_kv, hd] (read)      3: KROT f32 [M, heads_kv, hd] (read_write)
//   4: V    f32 [M, heads_kv, hd] (read)      5: POS  i32 [M]               (read)
//   6: KC, 7: VC the caches [rows, heads_kv * hd] (kv-store)                (read_write)
//   8: params (uniform)
// Dispatch: (min(G, 65535), ceil(G / 65535), 1) with G = ceil(pairs / WG),
// pairs = M * (heads_q + 2 * heads_kv) * hd / 2: q's element pairs, then k's, then v's.

override WG: u32 = 256u;

struct Params {
  m: u32,
  heads_q: u32,
  heads_kv: u32,
  hd: u32,
  q_offset: u32,
  qrot_offset: u32,
  k_offset: u32,
  krot_offset: u32,
  v_offset: u32,
  pos_offset: u32,
  kc_offset: u32,
  vc_offset: u32,
  log2_theta: f32,
  mode: u32,
}

@group(0) @binding(0) var<storage, read> Q: array<f32>;
@group(0) @binding(1) var<storage, read_write> QROT: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read_write> KROT: array<f32>;
@group(0) @binding(4) var<storage, read> V: array<f32>;
@group(0) @binding(5) var<storage, read> POS: array<i32>;
@group(0) @binding(8) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = (wg.x + wg.y * 65535u) * WG + lid;
  let q_pairs = params.m * params.heads_q * params.hd / 2u;
  let kv_pairs = params.m * params.heads_kv * params.hd / 2u;
  let kv_width = params.heads_kv * params.hd;
  if (g < q_pairs) {
    let e = 2u * g;
    let pos = POS[params.pos_offset + e / (params.heads_q * params.hd)];
    let o = params.q_offset;
    QROT[params.qrot_offset + e] = rotated(Q[o + e], Q[o + other_of(e)], e, pos);
    QROT[params.qrot_offset + e + 1u] = rotated(Q[o + e + 1u], Q[o + other_of(e + 1u)], e + 1u, pos);
    return;
  }
  if (g < q_pairs + kv_pairs) {
    let e = 2u * (g - q_pairs);
    let pos = POS[params.pos_offset + e / kv_width];
    let o = params.k_offset;
    let a = rotated(K[o + e], K[o + other_of(e)], e, pos);
    let b = rotated(K[o + e + 1u], K[o + other_of(e + 1u)], e + 1u, pos);
    KROT[params.krot_offset + e] = a;
    KROT[params.krot_offset + e + 1u] = b;
    store_k(params.kc_offset, u32(pos) * kv_width + e % kv_width, a, b);
    return;
  }
  if (g < q_pairs + 2u * kv_pairs) {
    let e = 2u * (g - q_pairs - kv_pairs);
    let t = e / kv_width;
    store_v(params.vc_offset, u32(POS[params.pos_offset + t]) * kv_width + e % kv_width, V[params.v_offset + e], V[params.v_offset + e + 1u]);
  }
}
