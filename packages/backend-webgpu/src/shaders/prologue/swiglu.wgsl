// The SwiGLU before a matmul, folded into it (fuse.ts): x = silu(gate) * up
// is made as the kernel stages it (X is bound to gate), and the workgroups
// of the first column also write it to ACT, so nothing reads it stale.
// Needs lib/swiglu.wgsl.
//
// Bindings (group 0):
//   4: UP  f32 [M, K], from params.norm_offset      (read)
//   5: ACT f32 [M, K], from params.h_offset         (read_write)

const NORM: bool = false;

@group(0) @binding(4) var<storage, read> UP: array<f32>;
@group(0) @binding(5) var<storage, read_write> ACT: array<f32>;

fn load_x(i: u32, first_column: bool) -> f32 {
  let v = swiglu(X[params.x_offset + i], UP[params.norm_offset + i]);
  if (first_column) {
    ACT[params.h_offset + i] = v;
  }
  return v;
}

fn norm_weight(k: u32) -> f32 {
  return 1.0;
}

fn store_normed(m: u32, k: u32, v: f32) {}
