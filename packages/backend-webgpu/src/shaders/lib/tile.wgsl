// What the two tiled matmuls (matmul_tiled.wgsl, matmul_tiled_int.wgsl)
// share: the threads' layout over the tile and the store of their products.
// MT, NT, RM, RN: the tile, prepended by kernels.ts (plan.ts's TiledShape).

const WG: u32 = 256u;
// each thread's products: rows ty + TY i, outputs tx + TX j (interleaved, so
// neighbouring threads read neighbouring rows of the tiles: no bank conflicts)
const TY: u32 = MT / RM;
const TX: u32 = NT / RN;

// Stores a thread's RM x RN products (thread (ty, tx) of the workgroup whose
// tile starts at row m0, output n0) through the epilogue's `store`.
fn store_tile(m0: u32, n0: u32, ty: u32, tx: u32, acc: array<f32, RM * RN>) {
  for (var i = 0u; i < RM; i++) {
    for (var j = 0u; j < RN; j++) {
      let m = m0 + ty + TY * i;
      let n = n0 + tx + TX * j;
      if (m < params.M && n < params.N) {
        store(m, n, acc[i * RN + j]);
      }
    }
  }
}
