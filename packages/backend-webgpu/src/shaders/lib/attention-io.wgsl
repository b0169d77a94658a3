// The bindings and params of the attention kernels that write their output
// directly (attention.wgsl, attention_blocked.wgsl); the K and V bindings
// (1, 2) are kernels.ts's cacheBindings. Indexed in elements from the offsets:
//   0: Q   f32 [M, n_head, hd]                     (read)
//   3: POS i32 [M]: query i sees keys 0..POS[i]    (read)
//   4: OUT f32 [M, n_head * hd]                    (read_write)
//   5: params (uniform)

struct Params {
  n_head: u32,
  n_kv: u32,
  hd: u32,
  ctx: u32,
  q_offset: u32,
  k_offset: u32,
  v_offset: u32,
  pos_offset: u32,
  out_offset: u32,
  scale: f32,
  // query tokens (M)
  m: u32,
}

@group(0) @binding(0) var<storage, read> Q: array<f32>;
@group(0) @binding(3) var<storage, read> POS: array<i32>;
@group(0) @binding(4) var<storage, read_write> OUT: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;
