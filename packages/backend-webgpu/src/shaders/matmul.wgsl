// out = x · wᵀ (ggml mul_mat) for any weight type: the weights are decoded
// from their GGUF blocks in registers as they are read (no dequantized copy
// exists anywhere), against the activation row converted as llama.cpp does.
//
// Composed with: lib/bytes.wgsl, lib/half.wgsl, weights/<type>.wgsl (SEG,
// decode, block_min), act/<type>.wgsl (ACT_BLOCK, round_act, act_block_scales,
// act_quantize, ACT_SUM_CORRECTION, act_block_correction).
//
// Bindings (group 0):
//   0: X   f32 [M, K], from x_offset (f32 elements)         (read)
//   1: W   u32 words of the [N, K] weight, from w_offset bytes; row n at
//          w_offset + n * row_bytes                          (read)
//   2: OUT f32 [M, N], from out_offset (f32 elements)       (read_write)
//   3: params (uniform)
// Dispatch: (ceil(N / ROWS), M, 1) workgroups of WG threads. A workgroup
// computes ROWS outputs of one x row: it stages KC elements of the row at a
// time in workgroup memory (converted: rounded to f16/bf16, or quantized to
// Q8 blocks), then WG / ROWS threads per output stride over that chunk's
// segments and the partial sums are reduced in workgroup memory.

override WG: u32 = 256u;
override ROWS: u32 = 4u;
// elements staged at once: a multiple of every block (256), 8 KiB of workgroup memory
const KC: u32 = 2048u;
// ACT_BLOCK as a divisor: WGSL rejects a constant division by zero even in the untaken branch
const ACT_DIVISOR: u32 = max(ACT_BLOCK, 1u);

struct Params {
  M: u32,
  K: u32,
  N: u32,
  x_offset: u32,
  w_offset: u32,
  out_offset: u32,
  row_bytes: u32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> W: array<u32>;
@group(0) @binding(2) var<storage, read_write> OUT: array<f32>;
@group(0) @binding(3) var<uniform> params: Params;

var<workgroup> xs: array<f32, KC>;
var<workgroup> block_scale: array<f32, 64>;
var<workgroup> block_inverse: array<f32, 64>;
var<workgroup> block_raw: array<f32, 64>;
var<workgroup> block_correction: array<f32, 64>;
var<workgroup> partial: array<f32, WG>;

// Stages x[row, c0 .. c0 + len) into xs as the dot product sees it.
fn stage(row_start: u32, c0: u32, len: u32, lid: u32) {
  for (var i = lid; i < len; i += WG) {
    xs[i] = round_act(X[row_start + c0 + i]);
  }
  workgroupBarrier();
  if (ACT_BLOCK > 0u) {
    for (var b = lid; b < len / ACT_DIVISOR; b += WG) {
      let s = act_block_scales(b * ACT_DIVISOR);
      block_scale[b] = s.x;
      block_inverse[b] = s.y;
      block_raw[b] = s.z;
    }
    workgroupBarrier();
    for (var i = lid; i < len; i += WG) {
      let b = i / ACT_DIVISOR;
      xs[i] = act_quantize(xs[i], block_inverse[b]) * block_scale[b];
    }
    workgroupBarrier();
  }
  if (ACT_SUM_CORRECTION) {
    for (var b = lid; b < len / ACT_DIVISOR; b += WG) {
      block_correction[b] = act_block_correction(b * ACT_DIVISOR, block_raw[b], block_scale[b]);
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let threads = WG / ROWS;
  let t = lid % threads;
  let n = wg.x * ROWS + lid / threads;
  let m = wg.y;
  let w_row = params.w_offset + n * params.row_bytes;

  var acc = 0.0;
  for (var c0 = 0u; c0 < params.K; c0 += KC) {
    let len = min(KC, params.K - c0);
    stage(params.x_offset + m * params.K, c0, len, lid);
    if (n < params.N) {
      for (var s = c0 / SEG + t; s < (c0 + len) / SEG; s += threads) {
        let w = decode(w_row, s);
        let base = s * SEG - c0;
        var dot = 0.0;
        for (var l = 0u; l < SEG; l++) {
          dot += w[l] * xs[base + l];
        }
        if (ACT_SUM_CORRECTION) {
          dot += block_min(w_row, s) * block_correction[base / ACT_DIVISOR];
        }
        acc += dot;
      }
    }
    workgroupBarrier();
  }

  partial[lid] = acc;
  workgroupBarrier();
  for (var stride = threads / 2u; stride > 0u; stride /= 2u) {
    if (t < stride) {
      partial[lid] += partial[lid + stride];
    }
    workgroupBarrier();
  }
  if (t == 0u && n < params.N) {
    OUT[params.out_offset + m * params.N + n] = partial[lid];
  }
}
