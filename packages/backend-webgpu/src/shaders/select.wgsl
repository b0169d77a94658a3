// Argmax and the sample op, one workgroup per logits row: the top k ids are
// selected in order (descending logit, lower id first on ties) by k rounds
// of a workgroup-wide "best after the last pick" reduction, then one thread
// applies top-p, min-p and temperature to those k and draws with the row's
// uniform, as @llamita/sampling's chain does (its probabilities are f64 on
// the host and f32 here: ids agree except when the draw falls within f32
// rounding of a boundary). Argmax is k = 1 with temperature 0.
//
// Bindings (group 0), indexed in elements from the given offsets:
//   0: X      f32 [M, N] logits                     (read)
//   1: RANDOM u32 [M] one 32-bit draw per row        (read; unused at temperature 0)
//   2: OUT    i32 [M] chosen id per row              (read_write)
//   3: params (uniform)
// Dispatch: (min(M, 65535), ceil(M / 65535), 1) workgroups of WG threads; top_k <= MAX_K.

override WG: u32 = 256u;
const MAX_K: u32 = 64u;
// logits a thread loads at once in each round's scan
const SCAN_UNROLL: u32 = 8u;
const NONE: u32 = 0xffffffffu;

struct Params {
  M: u32,
  N: u32,
  x_offset: u32,
  random_offset: u32,
  out_offset: u32,
  top_k: u32,
  top_p: f32,
  min_p: f32,
  temperature: f32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> RANDOM: array<u32>;
@group(0) @binding(2) var<storage, read_write> OUT: array<i32>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> best_value: array<f32, WG>;
var<workgroup> best_id: array<u32, WG>;
var<workgroup> picked_value: array<f32, MAX_K>;
var<workgroup> picked_id: array<u32, MAX_K>;

// Whether (v, i) comes before (bv, bi) in the order: larger value, then lower id; NONE comes last.
fn before(v: f32, i: u32, bv: f32, bi: u32) -> bool {
  return i != NONE && (bi == NONE || v > bv || (v == bv && i < bi));
}

// The thread 0 part: top-p, min-p, temperature and the draw over the `count` picks.
fn draw(count_in: u32, u: f32) -> u32 {
  var count = count_in;
  if (params.top_p < 1.0) {
    let top = picked_value[0];
    var sum = 0.0;
    for (var i = 0u; i < count; i++) {
      sum += exp(picked_value[i] - top);
    }
    var cum = 0.0;
    for (var i = 0u; i < count; i++) {
      cum += exp(picked_value[i] - top) / sum;
      if (cum >= params.top_p) {
        count = i + 1u;
        break;
      }
    }
  }
  if (params.min_p > 0.0) {
    // in logit space: keep logit >= top + ln(min_p), at least one
    let floor_value = picked_value[0] + log(params.min_p);
    var keep = 1u;
    while (keep < count && picked_value[keep] >= floor_value) {
      keep++;
    }
    count = keep;
  }
  let top = picked_value[0] / params.temperature;
  var sum = 0.0;
  for (var i = 0u; i < count; i++) {
    sum += exp(picked_value[i] / params.temperature - top);
  }
  var r = u;
  for (var i = 0u; i < count; i++) {
    r -= exp(picked_value[i] / params.temperature - top) / sum;
    if (r < 0.0) {
      return picked_id[i];
    }
  }
  return picked_id[count - 1u];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wg.x + wg.y * 65535u;
  if (row >= params.M) {
    return;
  }
  let x = params.x_offset + row * params.N;
  let k = select(min(params.top_k, MAX_K), 1u, params.temperature == 0.0);
  var last_value = 0.0;
  var last_id = 0u;
  var have_last = false;
  var picks = 0u;
  for (var c = 0u; c < k; c++) {
    var bv = 0.0;
    var bi = NONE;
    for (var j0 = lid; j0 < params.N; j0 += WG * SCAN_UNROLL) {
      // SCAN_UNROLL loads issued before any is compared (a thread's loads would otherwise wait one by one)
      var vs: array<f32, SCAN_UNROLL>;
      for (var u = 0u; u < SCAN_UNROLL; u++) {
        vs[u] = X[x + min(j0 + u * WG, params.N - 1u)];
      }
      for (var u = 0u; u < SCAN_UNROLL; u++) {
        let j = j0 + u * WG;
        let v = vs[u];
        let after = !have_last || v < last_value || (v == last_value && j > last_id);
        if (j < params.N && after && before(v, j, bv, bi)) {
          bv = v;
          bi = j;
        }
      }
    }
    best_value[lid] = bv;
    best_id[lid] = bi;
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
      if (lid < stride && before(best_value[lid + stride], best_id[lid + stride], best_value[lid], best_id[lid])) {
        best_value[lid] = best_value[lid + stride];
        best_id[lid] = best_id[lid + stride];
      }
      workgroupBarrier();
    }
    // no candidate left (N < k): later rounds find none either
    if (best_id[0] != NONE) {
      last_value = best_value[0];
      last_id = best_id[0];
      have_last = true;
      if (lid == 0u) {
        picked_value[c] = last_value;
        picked_id[c] = last_id;
        picks = c + 1u;
      }
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    var id = picked_id[0];
    if (params.temperature != 0.0 && picks > 0u) {
      id = draw(picks, f32(RANDOM[params.random_offset + row]) / 4294967296.0);
    }
    OUT[params.out_offset + row] = i32(id);
  }
}
