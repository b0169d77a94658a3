// The INT_DOT hooks of lib/stage.wgsl and matmul.wgsl where the float path runs: any weight type
// without weights-int/<type>.wgsl, or a WGSL without
// packed_4x8_integer_dot_product.

const INT_DOT: bool = false;

fn pack_int(chunk: u32, len: u32, lid: u32) {}

fn add_segment_int(w_row: u32, s: u32, base: u32, chunk: u32, acc: ptr<function, array<f32, TM_MAX>>) {}
