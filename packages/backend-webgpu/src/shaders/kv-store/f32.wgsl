// Writes into an f32 KV cache (rope_cache.wgsl): elements e and e + 1 of a
// cache, counted from its binding's offset (f32 elements).

@group(0) @binding(6) var<storage, read_write> KC: array<f32>;
@group(0) @binding(7) var<storage, read_write> VC: array<f32>;

fn store_k(offset: u32, e: u32, a: f32, b: f32) {
  KC[offset + e] = a;
  KC[offset + e + 1u] = b;
}

fn store_v(offset: u32, e: u32, a: f32, b: f32) {
  VC[offset + e] = a;
  VC[offset + e + 1u] = b;
}
