// The thread layout of the matrix-vector matmuls (matmul.wgsl,
// matmul_prepared.wgsl) and of quantize_x.wgsl, set per pipeline by plan.ts:
// WG threads, ROWS outputs of WG / ROWS threads each, TM x rows.

override WG: u32 = 256u;
override ROWS: u32 = 4u;
// x rows per workgroup: 1, 2, 4 or 8 (TM_MAX)
override TM: u32 = 1u;
const TM_MAX: u32 = 8u;
// loads a thread issues before waiting on any (staged elements, weight segments)
override UNROLL: u32 = 4u;
