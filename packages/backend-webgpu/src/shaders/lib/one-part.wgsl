// A matmul of one weight (matmul.wgsl's part hooks; lib/parts.wgsl is the
// grouped form): the grid's workgroup columns are its outputs'.

fn select_part(column: u32) -> u32 {
  return column;
}

fn part_rows() -> u32 {
  return params.N;
}

fn part_w_offset() -> u32 {
  return params.w_offset;
}
