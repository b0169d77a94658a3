// The matmul's integer path (matmul.wgsl's INT_DOT hooks) for weights whose
// values are small integers times a block scale (Q4_0, Q5_0, Q8_0; their
// weights-int/<type>.wgsl gives decode_int), against Q8_0 activations, as
// llama.cpp's vec_dot computes it: each block's Σ q_w · q_x exact in i32
// through dot4I8Packed (WGSL's packed_4x8_integer_dot_product), then scaled
// by d_w · d_x. Four products an instruction instead of a decode, a multiply
// and an add per element.
// Needs matmul.wgsl's staging (staged, block_inverse, block_scale, KC, TM,
// TM_MAX, WG), act/q8_0.wgsl (act_quantize) and lib/int-block.wgsl.

const INT_DOT: bool = true;

// Word i of the staged activation quants lives at i + i / 8: the threads of
// one output read consecutive blocks' words, which then hit different banks.
var<workgroup> xq: array<u32, KC / 4u + KC / 32u>;

fn qslot(i: u32) -> u32 {
  return i + (i >> 3u);
}

// Packs the staged rows' quants (len elements of each of the TM rows, a row
// every `chunk`) four to a word.
fn pack_int(chunk: u32, len: u32, lid: u32) {
  let row_words = len / 4u;
  for (var i = lid; i < TM * row_words; i += WG) {
    let e = (i / row_words) * chunk + (i % row_words) * 4u;
    let inverse = block_inverse[e / 32u];
    let q = vec4<i32>(
      i32(act_quantize(staged(e), inverse)),
      i32(act_quantize(staged(e + 1u), inverse)),
      i32(act_quantize(staged(e + 2u), inverse)),
      i32(act_quantize(staged(e + 3u), inverse)),
    );
    xq[qslot(e / 4u)] = pack4xI8(q);
  }
  workgroupBarrier();
}

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
