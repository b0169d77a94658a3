// out = x · wᵀ (ggml mul_mat) for a batch of x rows (prefill), as a tiled
// matrix product: a workgroup computes MT x rows by NT outputs, walking K in
// steps of KT. Each step it decodes the NT weight rows' KT elements once into
// workgroup memory (for all MT rows, where matmul.wgsl decodes them once per
// 8 rows), stages the MT x rows' KT elements converted as llama.cpp converts
// the activations for this weight type, and each thread adds RM x RN products.
//
// Composed with: lib/matmul-io.wgsl (Params, X, W, OUT, params), lib/bytes.wgsl,
// lib/half.wgsl, weights/<type>.wgsl (SEG, decode), act/<type>.wgsl (ACT_BLOCK, round_act, act_block_scales,
// act_quantize: they read x through `staged`), epilogue/<plain|residual>.wgsl
// (store) and lib/tile.wgsl (WG, TY, TX, store_tile). Not for weights whose
// activations carry block sums (Q4_1, Q5_1), nor with a fused norm: plan.ts
// gives those to matmul.wgsl.
//
// Bindings (group 0): lib/matmul-io.wgsl's 0-3; 6-7: the residual epilogue's.
// Dispatch: (ceil(N / NT), ceil(M / MT), 1) workgroups of WG threads.

// MT, NT, RM, RN: the tile, prepended by kernels.ts (plan.ts's TiledShape,
// chosen by the device's workgroup memory); (MT / RM) * (NT / RN) = WG.
// one 32-element segment of every quantized type; K is a multiple of it for those
const KT: u32 = 32u;
// a tile row's stride in workgroup memory: one pad word against bank conflicts
const STRIDE: u32 = KT + 1u;
// ACT_BLOCK as a divisor: WGSL rejects a constant division by zero even in the untaken branch
const ACT_DIVISOR: u32 = max(ACT_BLOCK, 1u);

var<workgroup> xs: array<f32, MT * STRIDE>;
var<workgroup> ws: array<f32, NT * STRIDE>;
// each x row's current activation block: its scale and the inverse the quantizer uses
var<workgroup> row_scale: array<f32, MT>;
var<workgroup> row_inverse: array<f32, MT>;

// Element i of x (row m at m * K) as the activation snippets read it.
fn staged(i: u32) -> f32 {
  return round_act(X[params.x_offset + i]);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let n0 = wg.x * NT;
  let m0 = wg.y * MT;
  let tx = lid % TX;
  let ty = lid / TX;
  // decode calls per weight row per step
  let segments = KT / SEG;

  var acc: array<f32, RM * RN>;
  for (var k0 = 0u; k0 < params.K; k0 += KT) {
    // a new activation block begins: each row's scale, over the whole block
    if (ACT_BLOCK > 0u && k0 % ACT_DIVISOR == 0u) {
      if (lid < MT) {
        var s = vec3<f32>(0.0, 0.0, 0.0);
        if (m0 + lid < params.M) {
          s = act_block_scales((m0 + lid) * params.K + k0);
        }
        row_scale[lid] = s.x;
        row_inverse[lid] = s.y;
      }
      workgroupBarrier();
    }
    for (var i = lid; i < MT * KT; i += WG) {
      let r = i / KT;
      let c = i % KT;
      var v = 0.0;
      if (m0 + r < params.M && k0 + c < params.K) {
        v = staged((m0 + r) * params.K + k0 + c);
        if (ACT_BLOCK > 0u) {
          v = act_quantize(v, row_inverse[r]) * row_scale[r];
        }
      }
      xs[r * STRIDE + c] = v;
    }
    for (var i = lid; i < NT * segments; i += WG) {
      let r = i / segments;
      let g = i % segments;
      if (n0 + r < params.N && k0 + g * SEG < params.K) {
        let w = decode(params.w_offset + (n0 + r) * params.row_bytes, k0 / SEG + g);
        for (var l = 0u; l < SEG; l++) {
          ws[r * STRIDE + g * SEG + l] = w[l];
        }
      } else {
        for (var l = 0u; l < SEG; l++) {
          ws[r * STRIDE + g * SEG + l] = 0.0;
        }
      }
    }
    workgroupBarrier();
    for (var c = 0u; c < KT; c++) {
      var a: array<f32, RM>;
      var b: array<f32, RN>;
      for (var i = 0u; i < RM; i++) {
        a[i] = xs[(ty + TY * i) * STRIDE + c];
      }
      for (var j = 0u; j < RN; j++) {
        b[j] = ws[(tx + TX * j) * STRIDE + c];
      }
      for (var i = 0u; i < RM; i++) {
        for (var j = 0u; j < RN; j++) {
          acc[i * RN + j] += a[i] * b[j];
        }
      }
    }
    workgroupBarrier();
  }

  store_tile(m0, n0, ty, tx, acc);
}
