// Ceilings of this machine for the wasm kernels, measured the way the kernels
// run (AssemblyScript SIMD128 over one memory): how fast one thread streams
// bytes from memory, and how many int8 multiply-adds per second the dot
// instruction sustains with no memory traffic at all.

/** Sums `bytes` (a multiple of 64) at `p` with four independent v128 accumulators: a pure read stream. */
export function readStream(p: usize, bytes: usize): i32 {
  let a = i32x4.splat(0);
  let b = i32x4.splat(0);
  let c = i32x4.splat(0);
  let d = i32x4.splat(0);
  for (let i: usize = 0; i < bytes; i += 64) {
    a = i32x4.add(a, v128.load(p + i));
    b = i32x4.add(b, v128.load(p + i + 16));
    c = i32x4.add(c, v128.load(p + i + 32));
    d = i32x4.add(d, v128.load(p + i + 48));
  }
  const s = i32x4.add(i32x4.add(a, b), i32x4.add(c, d));
  return i32x4.extract_lane(s, 0) ^ i32x4.extract_lane(s, 3);
}

/**
 * `iterations` rounds of eight independent 16-pair int8 dot products (the
 * kernels' inner operation: relaxed i16x8 dot with relaxed SIMD, extmul pairs
 * otherwise), on registers only: 128 multiply-adds per round.
 */
export function dotPeak(iterations: i32): i32 {
  let x = i8x16.splat(3);
  const w = i8x16.splat(5);
  let a0 = i16x8.splat(0);
  let a1 = i16x8.splat(0);
  let a2 = i16x8.splat(0);
  let a3 = i16x8.splat(0);
  let a4 = i16x8.splat(0);
  let a5 = i16x8.splat(0);
  let a6 = i16x8.splat(0);
  let a7 = i16x8.splat(0);
  for (let i = 0; i < iterations; i++) {
    a0 = i16x8.add(a0, dot(x, w));
    a1 = i16x8.add(a1, dot(w, x));
    a2 = i16x8.add(a2, dot(x, x));
    a3 = i16x8.add(a3, dot(w, w));
    a4 = i16x8.add(a4, dot(x, w));
    a5 = i16x8.add(a5, dot(w, x));
    a6 = i16x8.add(a6, dot(x, x));
    a7 = i16x8.add(a7, dot(w, w));
    x = i8x16.add(x, w);
  }
  const s = i16x8.add(i16x8.add(i16x8.add(a0, a1), i16x8.add(a2, a3)), i16x8.add(i16x8.add(a4, a5), i16x8.add(a6, a7)));
  return i16x8.extract_lane_s(s, 0);
}

@inline function dot(x: v128, w: v128): v128 {
  const small = v128.and(w, i8x16.splat(0x0f));
  if (ASC_FEATURE_RELAXED_SIMD) return i16x8.relaxed_dot_i8x16_i7x16_s(x, small);
  return i16x8.add(i16x8.extmul_low_i8x16_s(small, x), i16x8.extmul_high_i8x16_s(small, x));
}
