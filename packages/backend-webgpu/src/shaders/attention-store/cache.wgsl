// attention_combine.wgsl writing the decode token's cache row, after
// attention-new/rope.wgsl read it from KROT and VNEW instead of the cache
// (fuse.ts's FusedRopeAttention), before the merge's own work: the workgroup
// of each KV group's first query head writes row POS of both caches, thread
// d elements 2d and 2d + 1
// (one word of an f16 cache). The caches' offsets are even (fuse.ts), so a
// pair's offset from 0 is the cache's own.
//
// Needs kv-store/<f32|f16>.wgsl and the cache bindings (6, 7) read_write.
//
// Bindings (group 0), indexed in elements from the params' offsets:
//   4: KROT f32 [1, n_kv, hd] rotated k   (read)
//   5: VNEW f32 [1, n_kv, hd]              (read)

@group(0) @binding(4) var<storage, read> KROT: array<f32>;
@group(0) @binding(5) var<storage, read> VNEW: array<f32>;

fn store_new(token: u32, head: u32, d: u32, pos: i32) {
  let group = params.n_head / params.n_kv;
  let width = params.n_kv * params.hd;
  let within = (head / group) * params.hd + 2u * d;
  let i = token * width + within;
  if (pos < 0 || u32(pos) >= params.ctx || head % group != 0u || 2u * d >= params.hd) {
    return;
  }
  let cell = u32(pos) * width + within;
  store_k(0u, params.k_offset + cell, KROT[params.krot_offset + i], KROT[params.krot_offset + i + 1u]);
  store_v(0u, params.v_offset + cell, VNEW[params.vnew_offset + i], VNEW[params.vnew_offset + i + 1u]);
}
