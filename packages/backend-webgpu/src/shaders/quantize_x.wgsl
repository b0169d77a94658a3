// x prepared once for the integer matmuls of small batches
// (matmul_prepared.wgsl): each row made by the prologue (as it is, through a
// fused RMSNorm, or as silu(gate) * up), quantized to Q8_0 and packed as
// matmul.wgsl's staging does, and written out, so that no matmul workgroup
// stages, normalizes or quantizes x itself. The prologue's output (the
// norm's, the swiglu's) is written too, so nothing reads it stale.
//
// Composed with: lib/matmul-io.wgsl (Params, X, params; W and OUT unused),
// lib/matmul-threads.wgsl (TM = 1), lib/stage.wgsl, lib/half.wgsl,
// act/q8_0.wgsl, act/no-sums.wgsl, lib/int-pack.wgsl, a prologue with its
// load_x, lib/reduce-shared.wgsl (the entry point, workgroup_sum).
//
// Bindings (group 0): 0 X, 3 params (M, K, x_offset; out_offset: where XQ's
// data starts, in words), 4-5 the prologue's, and
//   12: XQ u32 (read_write): row m's K / 4 quant words (four signed bytes, in
//       element order) at out_offset + m * K / 4, then every row's K / 32
//       block scales (f32 bits) from out_offset + M * K / 4, row m's at
//       + m * K / 32
// Dispatch: (ceil(K / KC), M, 1) workgroups of WG threads, a chunk of one row
// each; a fused norm needs the whole row in one (K <= KC).

@group(0) @binding(12) var<storage, read_write> XQ: array<u32>;

fn kernel(wg: vec3<u32>, lid: u32) {
  let m = wg.y;
  let c0 = wg.x * KC;
  let len = min(KC, params.K - c0);
  // every element is staged by exactly one workgroup, which writes the prologue's output
  stage(m, KC, c0, len, lid, true);
  let first = m * params.K + c0;
  for (var i = lid; i < len / 4u; i += WG) {
    XQ[params.out_offset + first / 4u + i] = xq[qslot(i)];
  }
  let scales = params.out_offset + params.M * params.K / 4u + first / 32u;
  for (var b = lid; b < len / 32u; b += WG) {
    XQ[scales + b] = bitcast<u32>(block_scale[b]);
  }
}
