// Row copy into an f16 destination stored as packed u32 words (no
// `shader-f16` needed): dst[rows[i], :] = f16(src[i, :]) rounded to nearest
// even, or the whole of src when has_rows = 0. One thread writes one word (two
// halves), so no two threads share a word: width is even and dst starts on a word.
//
// Composed with lib/half.wgsl.
//
// Bindings (group 0):
//   0: SRC  f32 [M, width], from src_offset (elements)   (read)
//   1: ROWS i32 [M], from rows_offset                     (read; any buffer when has_rows = 0)
//   2: DST  u32 words of f16 [rows, width], from dst_offset (words) (read_write)
//   3: params (uniform)
// Dispatch: (min(G, 65535), ceil(G / 65535), 1) with G = ceil(M * width / 2 / WG).

override WG: u32 = 256u;

struct Params {
  words: u32,
  width: u32,
  src_offset: u32,
  rows_offset: u32,
  dst_offset: u32,
  has_rows: u32,
}

@group(0) @binding(0) var<storage, read> SRC: array<f32>;
@group(0) @binding(1) var<storage, read> ROWS: array<i32>;
@group(0) @binding(2) var<storage, read_write> DST: array<u32>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let w = (wg.x + wg.y * 65535u) * WG + lid;
  if (w >= params.words) {
    return;
  }
  let row_words = params.width / 2u;
  let i = w / row_words;
  var row = i;
  if (params.has_rows == 1u) {
    row = u32(ROWS[params.rows_offset + i]);
  }
  let src = params.src_offset + 2u * w;
  let packed = f16_bits(SRC[src]) | (f16_bits(SRC[src + 1u]) << 16u);
  DST[params.dst_offset + row * row_words + w % row_words] = packed;
}
