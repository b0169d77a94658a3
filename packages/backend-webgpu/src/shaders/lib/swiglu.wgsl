// silu(gate) * up, as swiglu.wgsl and the matmul's swiglu prologue compute it.

fn swiglu(gate: f32, up: f32) -> f32 {
  return gate / (1.0 + exp(-gate)) * up;
}
