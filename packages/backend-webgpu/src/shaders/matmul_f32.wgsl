// out = x · wᵀ with f32 weights (ggml mul_mat), one workgroup per output element.
//
// Bindings (group 0), every array indexed in f32 elements from the given offset:
//   0: x   f32 [M, K]  (read)
//   1: w   f32 [N, K]  (read)
//   2: out f32 [M, N]  (read_write)
//   3: params (uniform)
// Dispatch: (min(N, 65535), ceil(N / 65535), M) workgroups of WG threads; the
// threads of a workgroup stride over K and reduce their partial sums in
// workgroup memory. Decode (M = 1) is a matrix-vector product, which this suits.

override WG: u32 = 64u;

struct Params {
  M: u32,
  K: u32,
  N: u32,
  x_offset: u32,
  w_offset: u32,
  out_offset: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> partial: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let col = wg.x + wg.y * 65535u;
  let row = wg.z;
  let in_range = col < params.N;

  var acc = 0.0;
  if (in_range) {
    let xr = params.x_offset + row * params.K;
    let wr = params.w_offset + col * params.K;
    for (var t = lid; t < params.K; t += WG) {
      acc += x[xr + t] * w[wr + t];
    }
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) {
      partial[lid] += partial[lid + stride];
    }
    workgroupBarrier();
  }
  if (lid == 0u && in_range) {
    out[params.out_offset + row * params.N + col] = partial[0];
  }
}
