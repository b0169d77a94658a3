// Writes into an f32 KV cache: elements e and e + 1, counted from `offset`
// (f32 elements). KC and VC are declared read_write by kernels.ts's cacheBindings.

fn store_k(offset: u32, e: u32, a: f32, b: f32) {
  KC[offset + e] = a;
  KC[offset + e + 1u] = b;
}

fn store_v(offset: u32, e: u32, a: f32, b: f32) {
  VC[offset + e] = a;
  VC[offset + e + 1u] = b;
}
