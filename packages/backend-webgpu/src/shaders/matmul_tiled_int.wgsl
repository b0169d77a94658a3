// out = x · wᵀ for a batch of x rows (prefill) with Q4_0, Q5_0 or Q8_0
// weights: matmul_tiled.wgsl's tiles, each K step one block of 32 dotted in
// integers as llama.cpp's vec_dot does. The MT x rows' block is quantized to
// Q8_0 (act/q8_0.wgsl's rounding) and packed four to a word, the NT weight
// rows' block decoded to signed bytes (weights-int/<type>.wgsl), each
// thread's RM x RN block sums are exact in i32 (dot4I8Packed: four products
// an instruction, where the float kernel does one), then scaled by d_x · d_w.
//
// Composed with: lib/matmul-io.wgsl (Params, X, W, OUT, params), lib/bytes.wgsl,
// lib/half.wgsl, lib/w-word.wgsl, lib/int-block.wgsl, weights-int/<type>.wgsl
// (decode_int), act/q8_0.wgsl (q8_0_scales, act_quantize) and
// epilogue/<plain|residual>.wgsl (store) and lib/tile.wgsl (WG, TY, TX,
// store_tile). Needs WGSL's packed_4x8_integer_dot_product.
//
// Bindings (group 0): lib/matmul-io.wgsl's 0-3; 6-7: the residual epilogue's.
// Dispatch: (ceil(N / NT), ceil(M / MT), 1) workgroups of WG threads.

// MT, NT, RM, RN: the tile, prepended by kernels.ts (plan.ts's TiledShape);
// (MT / RM) * (NT / RN) = WG, and MT * X_THREADS <= WG.
// a tile row: a block's 8 words and one pad word against bank conflicts
const STRIDE: u32 = 9u;
// threads that quantize one x row's block, 8 elements each
const X_THREADS: u32 = 4u;

var<workgroup> xs: array<u32, MT * STRIDE>;
var<workgroup> ws: array<u32, NT * STRIDE>;
var<workgroup> x_scale: array<f32, MT>;
var<workgroup> w_scale: array<f32, NT>;
// each x row's largest magnitude over each of its X_THREADS parts of the block
var<workgroup> part_max: array<f32, MT * X_THREADS>;

// act/q8_0.wgsl's act_block_scales reads x through this (unused here: the block's scales come from part_max)
fn staged(i: u32) -> f32 {
  return X[params.x_offset + i];
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let n0 = wg.x * NT;
  let m0 = wg.y * MT;
  let tx = lid % TX;
  let ty = lid / TX;
  // the x row and part of the block this thread quantizes (when lid < MT * X_THREADS)
  let xr = lid / X_THREADS;
  let xp = lid % X_THREADS;
  let quantizes = lid < MT * X_THREADS;

  var acc: array<f32, RM * RN>;
  for (var k0 = 0u; k0 < params.K; k0 += 32u) {
    var v: array<f32, 8>;
    var amax = 0.0;
    if (quantizes && m0 + xr < params.M) {
      let base = params.x_offset + (m0 + xr) * params.K + k0 + xp * 8u;
      for (var i = 0u; i < 8u; i++) {
        v[i] = X[base + i];
        amax = max(amax, abs(v[i]));
      }
    }
    if (quantizes) {
      part_max[lid] = amax;
    }
    for (var r = lid; r < NT; r += WG) {
      // rows past N are zeros
      var block: IntBlock;
      if (n0 + r < params.N) {
        block = decode_int(params.w_offset + (n0 + r) * params.row_bytes, k0 / 32u);
      }
      w_scale[r] = block.d;
      for (var j = 0u; j < 8u; j++) {
        ws[r * STRIDE + j] = block.q[j];
      }
    }
    workgroupBarrier();
    if (quantizes) {
      let first = xr * X_THREADS;
      let scales = q8_0_scales(max(max(part_max[first], part_max[first + 1u]), max(part_max[first + 2u], part_max[first + 3u])));
      if (xp == 0u) {
        x_scale[xr] = scales.x;
      }
      for (var h = 0u; h < 2u; h++) {
        let q = vec4<i32>(
          i32(act_quantize(v[4u * h], scales.y)),
          i32(act_quantize(v[4u * h + 1u], scales.y)),
          i32(act_quantize(v[4u * h + 2u], scales.y)),
          i32(act_quantize(v[4u * h + 3u], scales.y)),
        );
        xs[xr * STRIDE + xp * 2u + h] = pack4xI8(q);
      }
    }
    workgroupBarrier();
    // zeroed by hand each step: a declaration in the loop body is not re-zeroed on every compiler
    var sums: array<i32, RM * RN>;
    for (var i = 0u; i < RM * RN; i++) {
      sums[i] = 0;
    }
    for (var j = 0u; j < 8u; j++) {
      var a: array<u32, RM>;
      var b: array<u32, RN>;
      for (var i = 0u; i < RM; i++) {
        a[i] = xs[(ty + TY * i) * STRIDE + j];
      }
      for (var c = 0u; c < RN; c++) {
        b[c] = ws[(tx + TX * c) * STRIDE + j];
      }
      for (var i = 0u; i < RM; i++) {
        for (var c = 0u; c < RN; c++) {
          sums[i * RN + c] += dot4I8Packed(a[i], b[c]);
        }
      }
    }
    for (var i = 0u; i < RM; i++) {
      for (var c = 0u; c < RN; c++) {
        acc[i * RN + c] += x_scale[ty + TY * i] * w_scale[tx + TX * c] * f32(sums[i * RN + c]);
      }
    }
    workgroupBarrier();
  }

  store_tile(m0, n0, ty, tx, acc);
}
