// out = x / sqrt(mean(x^2) + eps) * weight, per row.
//
// Bindings (group 0), f32 arrays indexed from the given offsets:
//   0: X      f32 [M, N] (read)
//   1: WEIGHT f32 [N]    (read)
//   2: OUT    f32 [M, N] (read_write)
//   3: params (uniform)
// Dispatch: (M, 1, 1) workgroups of WG threads; each sums its strided squares,
// the workgroup reduces them, then scales the row. One workgroup per row is
// latency-bound, so each thread reads UNROLL elements per step, all in flight
// at once (a constant trip count the compiler unrolls).

override WG: u32 = 256u;
const UNROLL: u32 = 8u;

struct Params {
  M: u32,
  N: u32,
  x_offset: u32,
  weight_offset: u32,
  out_offset: u32,
  eps: f32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> WEIGHT: array<f32>;
@group(0) @binding(2) var<storage, read_write> OUT: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = params.x_offset + wg.x * params.N;
  var sum = 0.0;
  for (var base = 0u; base < params.N; base += WG * UNROLL) {
    for (var u = 0u; u < UNROLL; u++) {
      let i = base + u * WG + lid;
      if (i < params.N) {
        let v = X[row + i];
        sum += v * v;
      }
    }
  }
  partial[lid] = sum;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
    workgroupBarrier();
  }
  let scale = 1.0 / sqrt(partial[0] / f32(params.N) + params.eps);
  let out = params.out_offset + wg.x * params.N;
  for (var base = 0u; base < params.N; base += WG * UNROLL) {
    for (var u = 0u; u < UNROLL; u++) {
      let i = base + u * WG + lid;
      if (i < params.N) {
        OUT[out + i] = X[row + i] * scale * WEIGHT[params.weight_offset + i];
      }
    }
  }
}
