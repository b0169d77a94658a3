// Causal grouped-query attention for a few query tokens (decode), split over
// the cache: workgroup (c, head, token) takes keys c * CHUNK .. + CHUNK and
// writes that chunk's softmax max, sum and unnormalized output to PART, which
// attention_combine.wgsl merges. Many chunks keep the GPU busy where one
// workgroup per head (attention.wgsl) would leave most of it idle.
//
// Composed with kv/<f32|f16>.wgsl (k_at, v_at, round_q) over kernels.ts's
// cacheBindings (1 and 2, read) and attention-new/<cached|rope>.wgsl: how q
// and the keys and values are read (`prepare`, `key_at`, `value_at`), from
// the cache as given, or with the token's own rope folded in.
//
// Bindings (group 0), indexed in elements from the given offsets:
//   0: Q    f32 [M, n_head, hd]                          (read)
//   1: KC   [ctx, n_kv, hd] cache (cacheBindings)        (read)
//   2: VC   [ctx, n_kv, hd] cache (cacheBindings)        (read)
//   3: POS  i32 [M]: query i sees keys 0..POS[i]         (read)
//   4: PART f32 [M, n_head, chunks, hd + 2]: per chunk
//           (max, sum, output[hd]), from 0               (read_write)
//   5: params (uniform); 6-9: attention-new/rope.wgsl's
// Dispatch: (chunks, n_head, M) workgroups of WG threads, chunks =
// ceil(ctx / CHUNK), hd <= WG. WG / CHUNK threads score each key; then thread
// (g, d) of WG / hd groups adds up dimension d over keys g, g + groups, ...

override WG: u32 = 256u;
// keys per workgroup (plan.ts's ATTENTION_CHUNK)
const CHUNK: u32 = 64u;
const NEG_BIG: f32 = -3.0e38;

struct Params {
  n_head: u32,
  n_kv: u32,
  hd: u32,
  ctx: u32,
  q_offset: u32,
  k_offset: u32,
  v_offset: u32,
  pos_offset: u32,
  chunks: u32,
  scale: f32,
  // attention-new/rope.wgsl's (zeros for cached.wgsl): rope.wgsl's mode and
  // log2(theta), and where the unrotated k, v and the rotated q, k are
  log2_theta: f32,
  mode: u32,
  knew_offset: u32,
  vnew_offset: u32,
  qrot_offset: u32,
  krot_offset: u32,
}

@group(0) @binding(0) var<storage, read> Q: array<f32>;
@group(0) @binding(3) var<storage, read> POS: array<i32>;
@group(0) @binding(4) var<storage, read_write> PART: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

var<workgroup> qs: array<f32, WG>;
var<workgroup> lanes: array<f32, WG>;
var<workgroup> probs: array<f32, CHUNK>;
var<workgroup> red: array<f32, CHUNK>;
var<workgroup> key_count: u32;

// The max (or sum) over CHUNK values, one per thread below CHUNK; every thread gets it.
fn reduce(lid: u32, v: f32, is_max: bool) -> f32 {
  if (lid < CHUNK) {
    red[lid] = v;
  }
  workgroupBarrier();
  for (var stride = CHUNK / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      red[lid] = select(red[lid] + red[lid + stride], max(red[lid], red[lid + stride]), is_max);
    }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let chunk = wg.x;
  let head = wg.y;
  let token = wg.z;
  let hd = params.hd;
  let kv_head = head / (params.n_head / params.n_kv);
  let pos = POS[params.pos_offset + token];
  if (lid < hd) {
    qs[lid] = prepare(token, head, chunk, lid, pos);
  }
  if (lid == 0u) {
    key_count = min(u32(max(pos, 0)) + 1u, params.ctx);
  }
  let n = workgroupUniformLoad(&key_count);
  let first = chunk * CHUNK;
  let part = ((token * params.n_head + head) * params.chunks + chunk) * (hd + 2u);
  if (first >= n) {
    // a chunk past the query's last key: weight zero in the combine
    if (lid == 0u) {
      PART[part] = NEG_BIG;
      PART[part + 1u] = 0.0;
    }
    if (lid < hd) {
      PART[part + 2u + lid] = 0.0;
    }
    return;
  }
  let count = min(CHUNK, n - first);

  let per_key = WG / CHUNK;
  let key = lid / per_key;
  var dot = 0.0;
  if (key < count) {
    for (var e = lid % per_key; e < hd; e += per_key) {
      dot += qs[e] * key_at(first + key, kv_head, e, pos);
    }
  }
  lanes[lid] = dot;
  workgroupBarrier();
  var score = NEG_BIG;
  if (lid < count) {
    var s = 0.0;
    for (var i = 0u; i < per_key; i++) {
      s += lanes[lid * per_key + i];
    }
    score = s * params.scale;
  }
  let chunk_max = reduce(lid, score, true);
  let p = select(0.0, exp(score - chunk_max), lid < count);
  if (lid < CHUNK) {
    probs[lid] = p;
  }
  let chunk_sum = reduce(lid, p, false);

  let groups = WG / hd;
  let g = lid / hd;
  let d = lid % hd;
  var acc = 0.0;
  if (g < groups) {
    for (var j = g; j < count; j += groups) {
      acc += probs[j] * value_at(first + j, kv_head, d, pos);
    }
  }
  lanes[lid] = acc;
  workgroupBarrier();
  if (lid < hd) {
    var total = 0.0;
    for (var gg = 0u; gg < groups; gg++) {
      total += lanes[gg * hd + lid];
    }
    PART[part + 2u + lid] = total;
  }
  if (lid == 0u) {
    PART[part] = chunk_max;
    PART[part + 1u] = chunk_sum;
  }
}
