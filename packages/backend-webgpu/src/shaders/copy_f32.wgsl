// Row copy into an f32 destination: dst[rows[i], :] = src[i, :] (has_rows = 1),
// or dst = src whole (has_rows = 0).
//
// Bindings (group 0), indexed in elements from the given offsets:
//   0: SRC  f32 [M, width]     (read)
//   1: ROWS i32 [M]            (read; any buffer when has_rows = 0)
//   2: DST  f32 [rows, width]  (read_write)
//   3: params (uniform)
// Dispatch: (min(G, 65535), ceil(G / 65535), 1) with G = ceil(M * width / WG); one thread per element.

override WG: u32 = 256u;

struct Params {
  count: u32,
  width: u32,
  src_offset: u32,
  rows_offset: u32,
  dst_offset: u32,
  has_rows: u32,
}

@group(0) @binding(0) var<storage, read> SRC: array<f32>;
@group(0) @binding(1) var<storage, read> ROWS: array<i32>;
@group(0) @binding(2) var<storage, read_write> DST: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let e = (wg.x + wg.y * 65535u) * WG + lid;
  if (e >= params.count) {
    return;
  }
  let i = e / params.width;
  var row = i;
  if (params.has_rows == 1u) {
    row = u32(ROWS[params.rows_offset + i]);
  }
  DST[params.dst_offset + row * params.width + e % params.width] = SRC[params.src_offset + e];
}
