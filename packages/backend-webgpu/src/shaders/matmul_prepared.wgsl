// out = x · wᵀ for a few x rows (decode, small batches) with Q4_0, Q5_0 or
// Q8_0 weights, against x that quantize_x.wgsl prepared: each thread reads its
// weight blocks and the matching x quants straight from memory (x is small
// and shared by every workgroup: it stays in cache), with no staging and no
// barrier before its first weight load. Each block's dot is exact in i32
// (dot4I8Packed), scaled by d_w · d_x, as lib/int-dot.wgsl does for staged x.
//
// Composed with: lib/matmul-io.wgsl (Params, W, OUT, params; X unused),
// lib/matmul-threads.wgsl, lib/bytes.wgsl, lib/half.wgsl, lib/one-part.wgsl
// with lib/w-word.wgsl or lib/parts.wgsl with its bindings,
// lib/int-block.wgsl, weights-int/<type>.wgsl (decode_int),
// epilogue/<plain|residual>.wgsl (store), and lib/reduce-shared.wgsl or
// lib/reduce-subgroup.wgsl (the entry point, reduce_output).
//
// Bindings (group 0): lib/matmul-io.wgsl's 1-3 (x_offset: where XQ's data
// starts, in words), 6-7 the residual epilogue's, 8-11 a grouped matmul's
// other parts', and
//   12: XQ u32 (read): quantize_x.wgsl's layout of the M x rows
// Dispatch: as matmul.wgsl's: (ceil(N / ROWS) over the parts, ceil(M / TM), 1)
// workgroups of WG threads, WG / ROWS threads an output striding over its blocks.

@group(0) @binding(12) var<storage, read> XQ: array<u32>;

// Adds block s of weight row w_row, dotted with x rows m0 .. m0 + TM, to acc.
fn add_block(w_row: u32, s: u32, m0: u32, acc: ptr<function, array<f32, TM_MAX>>) {
  let w = decode_int(w_row, s);
  let row_words = params.K / 4u;
  let scales = params.x_offset + params.M * row_words;
  for (var r = 0u; r < TM; r++) {
    let m = m0 + r;
    if (m < params.M) {
      let word = params.x_offset + m * row_words + s * 8u;
      var sum = 0;
      for (var j = 0u; j < 8u; j++) {
        sum += dot4I8Packed(w.q[j], XQ[word + j]);
      }
      (*acc)[r] += w.d * bitcast<f32>(XQ[scales + m * (params.K / 32u) + s]) * f32(sum);
    }
  }
}

fn kernel(wg: vec3<u32>, lid: u32) {
  let threads = WG / ROWS;
  let t = lid % threads;
  let n = select_part(wg.x) * ROWS + lid / threads;
  let rows = part_rows();
  let m0 = wg.y * TM;
  var acc: array<f32, TM_MAX>;
  if (n < rows) {
    let w_row = part_w_offset() + n * params.row_bytes;
    let blocks = params.K / 32u;
    // UNROLL blocks per step: their weight loads are in flight at once
    for (var s0 = t; s0 < blocks; s0 += threads * UNROLL) {
      for (var u = 0u; u < UNROLL; u++) {
        let s = s0 + u * threads;
        if (s < blocks) {
          add_block(w_row, s, m0, &acc);
        }
      }
    }
  }
  for (var r = 0u; r < TM; r++) {
    let total = reduce_output(acc[r], t, lid);
    if (t == 0u && n < rows && m0 + r < params.M) {
      store(m0 + r, n, total);
    }
  }
}
