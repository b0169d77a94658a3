// The matmul's integer path (matmul.wgsl's INT_DOT hooks) for weights whose
// values are small integers times a block scale (Q4_0, Q5_0, Q8_0; their
// weights-int/<type>.wgsl gives decode_int), against Q8_0 activations, as
// llama.cpp's vec_dot computes it: each block's Σ q_w · q_x exact in i32
// through dot4I8Packed (WGSL's packed_4x8_integer_dot_product), then scaled
// by d_w · d_x. Four products an instruction instead of a decode, a multiply
// and an add per element.
// Needs lib/int-pack.wgsl (xq, qslot), lib/stage.wgsl (block_scale) and
// lib/int-block.wgsl.

// Adds block s of weight row w_row, dotted with each staged x row (the block
// starts at element `base` of every row's chunk), to acc.
fn add_segment_int(w_row: u32, s: u32, base: u32, chunk: u32, acc: ptr<function, array<f32, TM_MAX>>) {
  let w = decode_int(w_row, s);
  for (var r = 0u; r < TM; r++) {
    let start = r * chunk + base;
    let word = start / 4u;
    var sum = 0;
    for (var j = 0u; j < 8u; j++) {
      sum += dot4I8Packed(w.q[j], xq[qslot(word + j)]);
    }
    (*acc)[r] += w.d * block_scale[start / 32u] * f32(sum);
  }
}
