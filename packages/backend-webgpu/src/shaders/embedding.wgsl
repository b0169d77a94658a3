// out[i, :] = table[ids[i], :], decoded from the table's GGUF blocks.
//
// Composed with: lib/bytes.wgsl, lib/half.wgsl, weights/<type>.wgsl (SEG, decode).
//
// Bindings (group 0):
//   0: W   u32 words of the [vocab, dim] table, from table_offset bytes;
//          row r at table_offset + r * row_bytes               (read)
//   1: IDS i32 [M], from ids_offset                           (read)
//   2: OUT f32 [M, dim], from out_offset                      (read_write)
//   3: params (uniform)
// Dispatch: (min(G, 65535), ceil(G / 65535), 1) with G = ceil(M * dim / SEG / WG);
// one thread decodes one segment of one row. A table larger than one storage
// binding takes one dispatch per range of rows (first_row .. first_row +
// rows, W bound to that range): each writes the ids in its range, the first
// also the zeros of an id outside [0, vocab).

override WG: u32 = 256u;

struct Params {
  segments: u32,
  dim: u32,
  vocab: u32,
  ids_offset: u32,
  table_offset: u32,
  out_offset: u32,
  row_bytes: u32,
  first_row: u32,
  rows: u32,
}

@group(0) @binding(0) var<storage, read> W: array<u32>;
@group(0) @binding(1) var<storage, read> IDS: array<i32>;
@group(0) @binding(2) var<storage, read_write> OUT: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = (wg.x + wg.y * 65535u) * WG + lid;
  if (g >= params.segments) {
    return;
  }
  let per_row = params.dim / SEG;
  let i = g / per_row;
  let s = g % per_row;
  let id = IDS[params.ids_offset + i];
  let out = params.out_offset + i * params.dim + s * SEG;
  if (id < 0 || u32(id) >= params.vocab) {
    if (params.first_row == 0u) {
      for (var l = 0u; l < SEG; l++) {
        OUT[out + l] = 0.0;
      }
    }
    return;
  }
  if (u32(id) < params.first_row || u32(id) >= params.first_row + params.rows) {
    return;
  }
  let w = decode(params.table_offset + (u32(id) - params.first_row) * params.row_bytes, s);
  for (var l = 0u; l < SEG; l++) {
    OUT[out + l] = w[l];
  }
}
