// out = x · wᵀ (ggml mul_mat) for any weight type: the weights are decoded
// from their GGUF blocks in registers as they are read (no dequantized copy
// exists anywhere), against the activation rows converted as llama.cpp does.
//
// Composed with: lib/matmul-io.wgsl (Params, X, W, OUT, params),
// lib/matmul-threads.wgsl (WG, ROWS, TM, UNROLL), lib/stage.wgsl (stage,
// staged, the block scales), lib/bytes.wgsl,
// lib/half.wgsl, lib/one-part.wgsl with lib/w-word.wgsl, or lib/parts.wgsl
// with its bindings (select_part, part_rows, part_w_offset, w_word; a
// grouped matmul's store), weights/<type>.wgsl (SEG, decode, block_min), act/<type>.wgsl (ACT_BLOCK, round_act, act_block_scales,
// act_quantize, ACT_SUM_CORRECTION, act_block_correction; they read the
// staged rows through `staged`), prologue/<none|rms-norm|swiglu>.wgsl (NORM,
// norm_weight, store_normed; load_x, from lib/x-plain.wgsl for the first two)
// and epilogue/<plain|residual>.wgsl (store); lib/reduce-shared.wgsl or
// lib/reduce-subgroup.wgsl (the entry point, reduce_output, workgroup_sum);
// lib/int-pack.wgsl and lib/int-dot.wgsl with weights-int/<type>.wgsl (Q4_0, Q5_0, Q8_0 where WGSL has
// packed_4x8_integer_dot_product: INT_DOT, the staged quants packed and each
// block's dot in i32) or lib/no-int-dot.wgsl (the float path).
//
// Bindings (group 0): lib/matmul-io.wgsl's 0-3; 4-7: the prologue's and
// epilogue's, when they have any; 8-11: a grouped matmul's other parts'.
// Dispatch: (ceil(N / ROWS), ceil(M / TM), 1) workgroups of WG threads; grouped,
// the x dimension is the sum of each part's ceil(N_p / ROWS). A
// workgroup computes a tile of TM x rows by ROWS outputs: it stages KC / TM
// elements of each of its x rows at a time in workgroup memory (converted:
// rounded to f16/bf16, or quantized to Q8 blocks), then WG / ROWS threads per
// output stride over that chunk's segments, decoding each weight segment once
// for all TM rows; the partial sums are reduced in workgroup memory, or
// across a subgroup's lanes (lib/reduce-subgroup.wgsl).

// Adds segment s of weight row w_row, dotted with each staged x row (the
// segment starts at `base` of every row's chunk), to acc.
fn add_segment(w_row: u32, s: u32, base: u32, chunk: u32, acc: ptr<function, array<f32, TM_MAX>>) {
  let w = decode(w_row, s);
  var min_w = 0.0;
  if (ACT_SUM_CORRECTION) {
    min_w = block_min(w_row, s);
  }
  for (var r = 0u; r < TM; r++) {
    let start = r * chunk + base;
    var dot = 0.0;
    for (var l = 0u; l < SEG; l++) {
      dot += w[l] * staged(start + l);
    }
    if (ACT_SUM_CORRECTION) {
      dot += min_w * block_correction[start / ACT_DIVISOR];
    }
    (*acc)[r] += dot;
  }
}

// The kernel of one invocation, `lid` its index in the workgroup (given by
// the entry point of lib/reduce-shared.wgsl or lib/reduce-subgroup.wgsl).
fn kernel(wg: vec3<u32>, lid: u32) {
  let threads = WG / ROWS;
  let t = lid % threads;
  // the output this thread's row of the grid computes, within its part (lib/one-part.wgsl or lib/parts.wgsl)
  let n = select_part(wg.x) * ROWS + lid / threads;
  let rows = part_rows();
  let m0 = wg.y * TM;
  let chunk = KC / TM;
  let w_row = part_w_offset() + n * params.row_bytes;

  var acc: array<f32, TM_MAX>;
  for (var c0 = 0u; c0 < params.K; c0 += chunk) {
    let len = min(chunk, params.K - c0);
    stage(m0, chunk, c0, len, lid, wg.x == 0u);
    if (n < rows) {
      let end = (c0 + len) / SEG;
      // UNROLL segments per step: their weight loads are in flight at once
      for (var s0 = c0 / SEG + t; s0 < end; s0 += threads * UNROLL) {
        for (var u = 0u; u < UNROLL; u++) {
          let s = s0 + u * threads;
          if (s < end && INT_DOT) {
            add_segment_int(w_row, s, s * SEG - c0, chunk, &acc);
          } else if (s < end) {
            add_segment(w_row, s, s * SEG - c0, chunk, &acc);
          }
        }
      }
    }
    workgroupBarrier();
  }

  for (var r = 0u; r < TM; r++) {
    let total = reduce_output(acc[r], t, lid);
    if (t == 0u && n < rows && m0 + r < params.M) {
      store(m0 + r, n, total);
    }
  }
}
