// Rotary position embedding: each pair (a, b) of a head rotates by
// pos / theta^(2i / hd), pairs (2i, 2i + 1) in mode 0 ('adjacent', GGUF Llama)
// or (i, i + hd / 2) in mode 1 ('half', NeoX / Hugging Face). With
// params.has_factors, pair i's angle is divided by FF[i] (Llama 3's
// rope_freqs); without, FF is any buffer and is not read.
//
// Bindings (group 0), indexed from the given offsets:
//   0: X   f32 [M, heads, hd] (read)
//   1: POS i32 [M]            (read)
//   2: OUT f32 [M, heads, hd] (read_write)
//   3: FF  f32 [hd / 2]       (read)
//   4: params (uniform)
// Dispatch: (min(G, 65535), ceil(G / 65535), 1) with G = ceil(M * heads * hd / 2 / WG);
// one thread per pair.
//
// Composed with lib/rope-angle.wgsl.

override WG: u32 = 256u;

struct Params {
  pairs: u32,
  heads: u32,
  hd: u32,
  x_offset: u32,
  pos_offset: u32,
  out_offset: u32,
  log2_theta: f32,
  mode: u32,
  ff_offset: u32,
  has_factors: u32,
}

@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> POS: array<i32>;
@group(0) @binding(2) var<storage, read_write> OUT: array<f32>;
@group(0) @binding(3) var<storage, read> FF: array<f32>;
@group(0) @binding(4) var<uniform> params: Params;


@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = (wg.x + wg.y * 65535u) * WG + lid;
  if (g >= params.pairs) {
    return;
  }
  let half_hd = params.hd / 2u;
  let i = g % half_hd;
  let head = g / half_hd; // token * heads + head
  let token = head / params.heads;
  let base = head * params.hd;
  var a = base + 2u * i;
  var b = a + 1u;
  if (params.mode == 1u) {
    a = base + i;
    b = a + half_hd;
  }
  var ff = 1.0;
  if (params.has_factors == 1u) {
    ff = FF[params.ff_offset + i];
  }
  let cs = rope_cos_sin(POS[params.pos_offset + token], i, params.hd, params.log2_theta, ff);
  let c = cs.x;
  let s = cs.y;
  let xa = X[params.x_offset + a];
  let xb = X[params.x_offset + b];
  OUT[params.out_offset + a] = xa * c - xb * s;
  OUT[params.out_offset + b] = xa * s + xb * c;
}
