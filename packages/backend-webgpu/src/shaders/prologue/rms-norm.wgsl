// The RMSNorm before a matmul, folded into it (fuse.ts): the kernel stages
// whole rows of the norm's input (X), scales each by 1 / sqrt(mean(x^2) + eps)
// and the norm's weight, as rms_norm.wgsl does, and the workgroups of the
// first column also write the norm's output, so nothing reads it stale.
//
// Bindings (group 0):
//   4: NORM_W f32 [K], from params.norm_offset        (read)
//   5: H      f32 [M, K], from params.h_offset        (read_write)

const NORM: bool = true;

@group(0) @binding(4) var<storage, read> NORM_W: array<f32>;
@group(0) @binding(5) var<storage, read_write> H: array<f32>;

fn norm_weight(k: u32) -> f32 {
  return NORM_W[params.norm_offset + k];
}

fn store_normed(m: u32, k: u32, v: f32) {
  H[params.h_offset + m * params.K + k] = v;
}
