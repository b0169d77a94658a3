// Q4_0 weights for lib/int-dot.wgsl: block s of the row at byte p (18 bytes:
// d f16 | qs[16], element j in the low nibble of byte j, element j + 16 in
// its high nibble; value = (q - 8) · d) as signed bytes q - 8.
// Needs lib/bytes.wgsl (w_*), lib/int-block.wgsl (IntBlock, offset_bytes).

fn decode_int(p: u32, s: u32) -> IntBlock {
  let blk = p + s * 18u;
  var out: IntBlock;
  out.d = w_f16(blk);
  for (var j = 0u; j < 4u; j++) {
    let word = w_u32(blk + 2u + 4u * j);
    out.q[j] = offset_bytes(word & 0x0f0f0f0fu, 8u);
    out.q[j + 4u] = offset_bytes((word >> 4u) & 0x0f0f0f0fu, 8u);
  }
  return out;
}
