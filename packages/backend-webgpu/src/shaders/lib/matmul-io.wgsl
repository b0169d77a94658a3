// The matmul kernels' params and bindings (matmul.wgsl, matmul_tiled.wgsl),
// which the prologue and epilogue snippets also read.
//   0: X   f32 [M, K], from x_offset (f32 elements)         (read)
//   1: W   u32 words of the [N, K] weight, from w_offset bytes; row n at
//          w_offset + n * row_bytes                          (read)
//   2: OUT f32 [M, N], from out_offset (f32 elements)       (read_write)
//   3: params (uniform): the norm's (norm_offset, h_offset, eps; the swiglu
//      prologue's up and output offsets in norm_offset and h_offset), the
//      residual's (res_offset, sum_offset) and a grouped matmul's part_*
//      (lib/parts.wgsl) are used only with those snippets; out_stride: the
//      elements between output rows (N, or more where the weight is split into
//      dispatches of fewer rows, each writing its columns of OUT, RES and SUM)

struct Params {
  M: u32,
  K: u32,
  N: u32,
  x_offset: u32,
  w_offset: u32,
  out_offset: u32,
  row_bytes: u32,
  norm_offset: u32,
  h_offset: u32,
  eps: f32,
  res_offset: u32,
  sum_offset: u32,
  out_stride: u32,
  // a grouped matmul's parts p = 0, 1, 2: first workgroup column, outputs
  // (weight rows), weight offset (bytes) and output offset (f32 elements)
  part_start: vec4<u32>,
  part_n: vec4<u32>,
  part_w: vec4<u32>,
  part_out: vec4<u32>,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> W: array<u32>;
@group(0) @binding(2) var<storage, read_write> OUT: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;
