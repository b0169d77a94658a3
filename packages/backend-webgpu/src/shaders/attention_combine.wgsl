// Merges attention_split.wgsl's chunks into the attention output: with m the
// largest chunk max, out = sum_c output_c * exp(max_c - m) / sum_c sum_c * exp(max_c - m).
// Composed with attention-store/<none|cache>.wgsl (store_new: with the rope
// folded into the split, the token's cache row is written here).
//
// Bindings (group 0), indexed in elements from the given offsets:
//   0: PART f32 [M, n_head, chunks, hd + 2], from 0        (read)
//   1: POS  i32 [M]                                        (read)
//   2: OUT  f32 [M, n_head * hd]                           (read_write)
//   3: params (uniform); 4-7: attention-store/cache.wgsl's
// Dispatch: (n_head, M, 1) workgroups of WG >= hd threads; thread d writes
// output dimension d. Only the chunks holding the query's keys are read.

override WG: u32 = 256u;
// keys per chunk (attention_split.wgsl's CHUNK)
const CHUNK: u32 = 64u;
const NEG_BIG: f32 = -3.0e38;

struct Params {
  n_head: u32,
  hd: u32,
  ctx: u32,
  chunks: u32,
  pos_offset: u32,
  out_offset: u32,
  // attention-store/cache.wgsl's (zeros for none.wgsl): KV heads, where the
  // caches (elements), the rotated k and the token's v are
  n_kv: u32,
  k_offset: u32,
  v_offset: u32,
  krot_offset: u32,
  vnew_offset: u32,
}

@group(0) @binding(0) var<storage, read> PART: array<f32>;
@group(0) @binding(1) var<storage, read> POS: array<i32>;
@group(0) @binding(2) var<storage, read_write> OUT: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let head = wg.x;
  let token = wg.y;
  let hd = params.hd;
  if (lid >= hd) {
    return;
  }
  let pos = POS[params.pos_offset + token];
  store_new(token, head, lid, pos);
  let n = min(u32(max(pos, 0)) + 1u, params.ctx);
  let used = (n + CHUNK - 1u) / CHUNK;
  let stride = hd + 2u;
  let base = (token * params.n_head + head) * params.chunks * stride;
  var m = NEG_BIG;
  for (var c = 0u; c < used; c++) {
    m = max(m, PART[base + c * stride]);
  }
  var total = 0.0;
  var acc = 0.0;
  for (var c = 0u; c < used; c++) {
    let p = base + c * stride;
    let w = exp(PART[p] - m);
    total += PART[p + 1u] * w;
    acc += PART[p + 2u + lid] * w;
  }
  OUT[params.out_offset + (token * params.n_head + head) * hd + lid] = acc / total;
}
