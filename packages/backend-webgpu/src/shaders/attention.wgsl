// Causal grouped-query attention over the KV cache, one workgroup per
// (query head, query token), with an online softmax over tiles of WG keys
// (flash-attention style: no score buffer, any context length).
//
// Composed with kv/<f32|f16>.wgsl (k_at, v_at, round_q) over kernels.ts's
// cacheBindings (1 and 2, read) and lib/attention-io.wgsl (Params, Q, POS, OUT).
//
// Bindings (group 0): lib/attention-io.wgsl's; 1, 2: KC and VC, [ctx, n_kv, hd]
// cache rows.
// Dispatch: (n_head, M, 1) workgroups of WG threads (hd <= WG). Per tile of
// WG keys each thread scores one key and the workgroup reduces the tile's max
// and sum; then the threads split into WG / hd groups, thread (g, d) adding
// up dimension d over the tile's keys g, g + groups, ..., and the groups'
// sums are added once at the end.

override WG: u32 = 256u;
const NEG_BIG: f32 = -3.0e38;

var<workgroup> qs: array<f32, WG>;
var<workgroup> probs: array<f32, WG>;
var<workgroup> red: array<f32, WG>;
var<workgroup> key_count: u32;

fn reduce_max(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      red[lid] = max(red[lid], red[lid + stride]);
    }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

fn reduce_sum(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      red[lid] += red[lid + stride];
    }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let head = wg.x;
  let token = wg.y;
  let hd = params.hd;
  let kv_head = head / (params.n_head / params.n_kv);
  let row_stride = params.n_kv * hd;
  let q_start = params.q_offset + (token * params.n_head + head) * hd;
  if (lid < hd) {
    qs[lid] = round_q(Q[q_start + lid]);
  }
  if (lid == 0u) {
    key_count = min(u32(max(POS[params.pos_offset + token], 0)) + 1u, params.ctx);
  }
  let n = workgroupUniformLoad(&key_count);

  let groups = WG / hd;
  let g = lid / hd;
  let d = lid % hd;
  var acc = 0.0;
  var run_max = NEG_BIG;
  var run_sum = 0.0;
  for (var t0 = 0u; t0 < n; t0 += WG) {
    let j = t0 + lid;
    var score = NEG_BIG;
    if (j < n) {
      let k_row = params.k_offset + j * row_stride + kv_head * hd;
      var dot = 0.0;
      for (var e = 0u; e < hd; e++) {
        dot += qs[e] * k_at(k_row + e);
      }
      score = dot * params.scale;
    }
    let new_max = max(run_max, reduce_max(lid, score));
    let p = select(0.0, exp(score - new_max), j < n);
    probs[lid] = p;
    let tile_sum = reduce_sum(lid, p);
    let correction = exp(run_max - new_max);
    run_sum = run_sum * correction + tile_sum;
    run_max = new_max;
    let count = min(WG, n - t0);
    if (g < groups) {
      let v_tile = params.v_offset + t0 * row_stride + kv_head * hd + d;
      var a = acc * correction;
      for (var jj = g; jj < count; jj += groups) {
        a += probs[jj] * v_at(v_tile + jj * row_stride);
      }
      acc = a;
    }
    workgroupBarrier();
  }

  red[lid] = acc;
  workgroupBarrier();
  if (lid < hd) {
    var total = 0.0;
    for (var gg = 0u; gg < groups; gg++) {
      total += red[gg * hd + lid];
    }
    OUT[params.out_offset + (token * params.n_head + head) * hd + lid] = total / run_sum;
  }
}
