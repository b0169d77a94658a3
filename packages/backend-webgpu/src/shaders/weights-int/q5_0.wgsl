// Q5_0 weights for lib/int-dot.wgsl: block s of the row at byte p (22 bytes:
// d f16 | qh u32, bit j the fifth bit of element j | qs[16] as Q4_0's; value
// = (q - 16) · d) as signed bytes q - 16.
// Needs lib/bytes.wgsl (w_*), lib/int-block.wgsl (IntBlock, offset_bytes).

// Four fifth bits (bits 0-3 of h) moved to bit 4 of each byte.
fn spread_fifth_bits(h: u32) -> u32 {
  return ((h & 1u) << 4u) | ((h & 2u) << 11u) | ((h & 4u) << 18u) | ((h & 8u) << 25u);
}

fn decode_int(p: u32, s: u32) -> IntBlock {
  let blk = p + s * 22u;
  let qh = w_u32(blk + 2u);
  var out: IntBlock;
  out.d = w_f16(blk);
  for (var j = 0u; j < 4u; j++) {
    let word = w_u32(blk + 6u + 4u * j);
    out.q[j] = offset_bytes((word & 0x0f0f0f0fu) | spread_fifth_bits((qh >> (4u * j)) & 0xfu), 16u);
    out.q[j + 4u] = offset_bytes(((word >> 4u) & 0x0f0f0f0fu) | spread_fifth_bits((qh >> (16u + 4u * j)) & 0xfu), 16u);
  }
  return out;
}
