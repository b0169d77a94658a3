// Q8_0 weights for lib/int-dot.wgsl: block s of the row at byte p (34 bytes:
// d f16 | qs[32] int8; value = q · d), already four signed bytes a word.
// Needs lib/bytes.wgsl (w_*), lib/int-block.wgsl (IntBlock).

fn decode_int(p: u32, s: u32) -> IntBlock {
  let blk = p + s * 34u;
  var out: IntBlock;
  out.d = w_f16(blk);
  for (var j = 0u; j < 8u; j++) {
    out.q[j] = w_u32(blk + 2u + 4u * j);
  }
  return out;
}
