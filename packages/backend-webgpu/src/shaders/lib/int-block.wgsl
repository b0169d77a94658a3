// A block of 32 weights as the integer dot products read it (lib/int-dot.wgsl,
// matmul_tiled_int.wgsl; weights-int/<type>.wgsl make it), and the byte
// arithmetic those decoders share.

// d, and the block's 32 values over d as signed bytes packed four to a word
// in element order (word j holds elements 4j .. 4j + 3): value = q · d.
struct IntBlock {
  d: f32,
  q: array<u32, 8>,
}

// Four unsigned bytes (each below 128) less `offset` each, as signed bytes:
// adding 128 - offset never carries into the next byte, and flipping the top
// bit then subtracts 128 (two's complement per byte).
fn offset_bytes(bytes: u32, offset: u32) -> u32 {
  return (bytes + (128u - offset) * 0x01010101u) ^ 0x80808080u;
}
