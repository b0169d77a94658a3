// Causal grouped-query attention for a batch of query tokens (prefill): one
// workgroup per (query head, block of QB tokens), flash-attention style. Each
// tile of KB keys and their values is staged in workgroup memory once for the
// block's QB queries (attention.wgsl, one workgroup a query, reads them once
// per query). Each query has T threads: they score the tile's keys (keys t,
// t + T, ... of it), then each keeps the query's online softmax and adds the
// tile's values into the dimensions it owns (t, t + T, ...).
//
// Composed with kv/<f32|f16>.wgsl (k_at, v_at, round_q) over kernels.ts's
// cacheBindings (1 and 2, read) and lib/attention-io.wgsl (Params, Q, POS, OUT).
//
// Bindings (group 0): lib/attention-io.wgsl's; 1, 2: KC and VC, [ctx, n_kv, hd]
// cache rows.
// Dispatch: (n_head, ceil(M / QB), 1) workgroups of WG = QB * T threads; hd <= HD_MAX.
// Workgroup memory: about 29 KiB (plan.ts's ATTENTION_BLOCKED_BYTES).

const QB: u32 = 32u;
const KB: u32 = 32u;
const T: u32 = 8u;
const WG: u32 = 256u;
const HD_MAX: u32 = 64u;
// a staged q or k row: one pad word, so the threads of different queries (keys) hit different banks
const ROW: u32 = HD_MAX + 1u;
const SCORE_ROW: u32 = KB + 1u;
const NEG_BIG: f32 = -3.0e38;

var<workgroup> qs: array<f32, QB * ROW>;
var<workgroup> ks: array<f32, KB * ROW>;
var<workgroup> vs: array<f32, KB * HD_MAX>;
var<workgroup> scores: array<f32, QB * SCORE_ROW>;
// keys each query of the block sees, and the most of them
var<workgroup> key_counts: array<u32, QB>;
var<workgroup> block_keys: u32;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let head = wg.x;
  let m0 = wg.y * QB;
  let hd = params.hd;
  let kv_head = head / (params.n_head / params.n_kv);
  let row_stride = params.n_kv * hd;
  // this thread's query (within the block) and its index among the query's threads
  let ql = lid / T;
  let t = lid % T;
  let token = m0 + ql;
  let in_batch = token < params.m;

  for (var i = lid; i < QB * hd; i += WG) {
    let r = i / hd;
    let e = i % hd;
    var v = 0.0;
    if (m0 + r < params.m) {
      v = round_q(Q[params.q_offset + ((m0 + r) * params.n_head + head) * hd + e]);
    }
    qs[r * ROW + e] = v;
  }
  var n = 0u;
  if (in_batch) {
    n = min(u32(max(POS[params.pos_offset + token], 0)) + 1u, params.ctx);
  }
  if (t == 0u) {
    key_counts[ql] = n;
  }
  workgroupBarrier();
  if (lid == 0u) {
    var most = 0u;
    for (var i = 0u; i < QB; i++) {
      most = max(most, key_counts[i]);
    }
    block_keys = most;
  }
  let end = workgroupUniformLoad(&block_keys);

  // dimensions t + T i of this thread's query
  var acc: array<f32, HD_MAX / T>;
  var run_max = NEG_BIG;
  var run_sum = 0.0;
  for (var k0 = 0u; k0 < end; k0 += KB) {
    for (var i = lid; i < KB * hd; i += WG) {
      let r = i / hd;
      let e = i % hd;
      var kv = 0.0;
      var vv = 0.0;
      if (k0 + r < end) {
        let at = (k0 + r) * row_stride + kv_head * hd + e;
        kv = k_at(params.k_offset + at);
        vv = v_at(params.v_offset + at);
      }
      ks[r * ROW + e] = kv;
      vs[r * HD_MAX + e] = vv;
    }
    workgroupBarrier();
    for (var c = t; c < KB; c += T) {
      var s = NEG_BIG;
      if (k0 + c < n) {
        var dot = 0.0;
        for (var e = 0u; e < hd; e++) {
          dot += qs[ql * ROW + e] * ks[c * ROW + e];
        }
        s = dot * params.scale;
      }
      scores[ql * SCORE_ROW + c] = s;
    }
    workgroupBarrier();
    // the query's online softmax over the tile, the same in each of its threads
    var tile_max = NEG_BIG;
    for (var c = 0u; c < KB; c++) {
      tile_max = max(tile_max, scores[ql * SCORE_ROW + c]);
    }
    let new_max = max(run_max, tile_max);
    let correction = exp(run_max - new_max);
    run_sum *= correction;
    for (var i = 0u; i < HD_MAX / T; i++) {
      acc[i] *= correction;
    }
    for (var c = 0u; c < KB; c++) {
      let s = scores[ql * SCORE_ROW + c];
      // a masked key (past the query's position, or past the cache) adds nothing
      let p = select(0.0, exp(s - new_max), s > NEG_BIG);
      run_sum += p;
      for (var i = 0u; i < HD_MAX / T; i++) {
        let d = t + T * i;
        if (d < hd) {
          acc[i] += p * vs[c * HD_MAX + d];
        }
      }
    }
    run_max = new_max;
    workgroupBarrier();
  }

  if (in_batch) {
    for (var i = 0u; i < HD_MAX / T; i++) {
      let d = t + T * i;
      if (d < hd) {
        OUT[params.out_offset + (token * params.n_head + head) * hd + d] = acc[i] / run_sum;
      }
    }
  }
}
