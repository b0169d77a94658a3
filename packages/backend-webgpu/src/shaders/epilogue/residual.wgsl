// The residual add after a matmul, folded into it (fuse.ts): OUT gets the
// product and SUM the product plus RES, as the add would write it.
//
// Bindings (group 0):
//   6: RES f32 [M, N], from params.res_offset         (read)
//   7: SUM f32 [M, N], from params.sum_offset         (read_write)

@group(0) @binding(6) var<storage, read> RES: array<f32>;
@group(0) @binding(7) var<storage, read_write> SUM: array<f32>;

fn store(m: u32, n: u32, v: f32) {
  let i = m * params.out_stride + n;
  OUT[params.out_offset + i] = v;
  SUM[params.sum_offset + i] = v + RES[params.res_offset + i];
}
