// out = silu(gate) * up = gate / (1 + exp(-gate)) * up, elementwise over `count` f32 values.
//
// Composed with lib/swiglu.wgsl.
//
// Bindings (group 0), indexed in f32 elements from the given offsets:
//   0: GATE f32 [count] (read)
//   1: UP   f32 [count] (read)
//   2: OUT  f32 [count] (read_write)
//   3: params (uniform)
// Dispatch: (min(G, 65535), ceil(G / 65535), 1) with G = ceil(count / WG).

override WG: u32 = 256u;

struct Params {
  count: u32,
  gate_offset: u32,
  up_offset: u32,
  out_offset: u32,
}

@group(0) @binding(0) var<storage, read> GATE: array<f32>;
@group(0) @binding(1) var<storage, read> UP: array<f32>;
@group(0) @binding(2) var<storage, read_write> OUT: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wg.x + wg.y * 65535u) * WG + lid;
  if (i < params.count) {
    OUT[params.out_offset + i] = swiglu(GATE[params.gate_offset + i], UP[params.up_offset + i]);
  }
}
