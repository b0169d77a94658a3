// out = a + b, elementwise over `count` f32 values; b has `b_count` values,
// `count` or one row of a (a bias, added to every row: element i takes b[i % b_count]).
//
// Bindings (group 0), indexed in f32 elements from the given offsets:
//   0: a   f32 [count] (read)
//   1: b   f32 [b_count] (read)
//   2: out f32 [count] (read_write; contract v2: never overlapping a or b)
//   3: params (uniform)
// Dispatch: (min(G, 65535), ceil(G / 65535), 1) with G = ceil(count / WG).

override WG: u32 = 256u;

struct Params {
  count: u32,
  a_offset: u32,
  b_offset: u32,
  out_offset: u32,
  b_count: u32,
}

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wg.x + wg.y * 65535u) * WG + lid;
  if (i < params.count) {
    out[params.out_offset + i] = a[params.a_offset + i] + b[params.b_offset + i % params.b_count];
  }
}
