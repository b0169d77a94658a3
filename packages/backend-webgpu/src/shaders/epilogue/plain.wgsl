// No epilogue: the matmul writes its product.

fn store(m: u32, n: u32, v: f32) {
  OUT[params.out_offset + m * params.out_stride + n] = v;
}
