// Element i of the matmul's x rows (row m at m * K) as X holds it, for the
// prologues that read x as it is (none, rms-norm).

fn load_x(i: u32, first_column: bool) -> f32 {
  return X[params.x_offset + i];
}
