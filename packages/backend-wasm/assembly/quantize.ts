// Activation rows quantized for the integer matmuls, bit for bit as the
// reference (tensor's quantizeRowQ8_0 / quantizeRowQ8K, i.e. llama.cpp's x86
// path: scales by correctly rounded f32 division, quants rounded half to even).
// x f32 [m, k]; quants `qs` int8 [m, k]; scales `ds` f32 [m, k/block];
// `sums` i32 [m, k/group]: the sum of each group of quants (32 for Q8_0, 16
// for Q8_K), which the kernels use for offsets and mins. Rows i0 <= i < i1.
// With `blockMajor` the three are stored block by block instead ([k/block, m,
// block] and so on), for the Q4_0 and Q4_K kernels, which take one block of
// every row in turn: their rows then lie side by side in memory.

/** Where block b of row i goes: its index among the m · blocks blocks in row-major or block-major order. */
@inline function blockUnit(i: i32, b: i32, m: i32, blocks: i32, blockMajor: bool): usize {
  return blockMajor ? <usize>b * <usize>m + <usize>i : <usize>i * <usize>blocks + <usize>b;
}

import { roundToF16 } from './half';

/** Quants of four groups of four lanes, x * scale rounded half to even, as 16 int8 lanes. */
@inline function quants16(x: usize, scale: v128): v128 {
  const a = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(x), scale)));
  const b = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(x + 16), scale)));
  const c = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(x + 32), scale)));
  const d = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(x + 48), scale)));
  return i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(a, b), i16x8.narrow_i32x4_s(c, d));
}

@inline function sumI8(q: v128): i32 {
  const s = i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(q));
  return i32x4.extract_lane(s, 0) + i32x4.extract_lane(s, 1) + i32x4.extract_lane(s, 2) + i32x4.extract_lane(s, 3);
}

@inline function maxAbs16(x: usize, acc: v128): v128 {
  acc = f32x4.max(acc, f32x4.abs(v128.load(x)));
  acc = f32x4.max(acc, f32x4.abs(v128.load(x + 16)));
  acc = f32x4.max(acc, f32x4.abs(v128.load(x + 32)));
  return f32x4.max(acc, f32x4.abs(v128.load(x + 48)));
}

@inline function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

/** Q8_0: blocks of 32, d = amax / 127 rounded to f16, q = round(x · 127 / amax). k must be a multiple of 32. */
export function quantizeQ8_0(x: usize, m: i32, k: i32, qs: usize, ds: usize, sums: usize, blockMajor: bool, i0: i32, i1: i32): void {
  const blocks = k >> 5;
  for (let i = i0; i < i1; i++) {
    for (let b = 0; b < blocks; b++) {
      const xb = x + ((<usize>i * <usize>k + (<usize>b << 5)) << 2);
      const unit = blockUnit(i, b, m, blocks, blockMajor);
      const amax = hmax(maxAbs16(xb + 64, maxAbs16(xb, f32x4.splat(0))));
      const d: f32 = amax / 127;
      const id = f32x4.splat(d != 0 ? <f32>127 / amax : 0);
      store<f32>(ds + (unit << 2), f32x4.extract_lane(roundToF16(f32x4.splat(d)), 0));
      const q0 = quants16(xb, id);
      const q1 = quants16(xb + 64, id);
      v128.store(qs + (unit << 5), q0);
      v128.store(qs + (unit << 5) + 16, q1);
      store<i32>(sums + (unit << 2), sumI8(q0) + sumI8(q1));
    }
  }
}

/** Q8_K: blocks of 256, scale from the signed value of largest magnitude (the first one), q = min(127, round(-127 / max · x)). k must be a multiple of 256. */
export function quantizeQ8K(x: usize, m: i32, k: i32, qs: usize, ds: usize, sums: usize, blockMajor: bool, i0: i32, i1: i32): void {
  const blocks = k >> 8;
  for (let i = i0; i < i1; i++) {
    for (let b = 0; b < blocks; b++) {
      const xb = x + ((<usize>i * <usize>k + (<usize>b << 8)) << 2);
      const unit = blockUnit(i, b, m, blocks, blockMajor);
      // the block's quants, its scale, its sixteen per-16 sums
      const q = qs + (unit << 8);
      const d = ds + (unit << 2);
      const g16 = sums + (unit << 6);
      let acc = f32x4.splat(0);
      for (let o: usize = 0; o < 1024; o += 64) acc = maxAbs16(xb + o, acc);
      const amax = hmax(acc);
      // the first element of the largest magnitude gives the sign, as the reference's strict
      // comparison does (which also skips NaNs: then the SIMD maximum is NaN and the scan decides)
      let largest: f32 = 0;
      let signed: f32 = 0;
      if (amax != 0) {
        for (let t: usize = 0; t < 256; t++) {
          const v = load<f32>(xb + (t << 2));
          if (abs<f32>(v) > largest) {
            largest = abs<f32>(v);
            signed = v;
            if (largest == amax) break;
          }
        }
      }
      if (largest == 0) {
        memory.fill(q, 0, 256);
        store<f32>(d, 0);
        memory.fill(g16, 0, 64);
        continue;
      }
      const iscale: f32 = <f32>-127 / signed;
      store<f32>(d, <f32>1 / iscale);
      const scale = f32x4.splat(iscale);
      for (let g: usize = 0; g < 16; g++) {
        const group = quants16(xb + (g << 6), scale);
        // min(127, ·): 127.5 and up would round to 128, which the narrowing saturated to 127 already
        v128.store(q + (g << 4), group);
        store<i32>(g16 + (g << 2), sumI8(group));
      }
    }
  }
}

/**
 * Rounds x [count] to f16 values (bf16 when `brain`), kept as f32, into `out`:
 * the activations llama.cpp feeds f16/bf16 dot products. Chunks of four
 * elements c0 <= c < c1; the tail past a multiple of four goes with the last chunk.
 */
export function roundToHalf(x: usize, out: usize, count: i32, brain: bool, c0: i32, c1: i32): void {
  const full = min(c1, count >> 2);
  for (let c = c0; c < full; c++) {
    const o = <usize>c << 4;
    const v = v128.load(x + o);
    v128.store(out + o, brain ? roundToBf16(v) : roundToF16(v));
  }
  if (c1 << 2 >= count) {
    for (let e = max(c0, full) << 2; e < count; e++) {
      const v = f32x4.splat(load<f32>(x + (<usize>e << 2)));
      store<f32>(out + (<usize>e << 2), f32x4.extract_lane(brain ? roundToBf16(v) : roundToF16(v), 0));
    }
  }
}

/** Four f32 lanes rounded to bf16 (nearest, ties to even; NaN stays a quiet NaN), kept as f32. */
@inline function roundToBf16(v: v128): v128 {
  const rounded = v128.and(i32x4.add(v, i32x4.add(i32x4.splat(0x7fff), v128.and(i32x4.shr_u(v, 16), i32x4.splat(1)))), i32x4.splat(0xffff0000));
  const nan = i32x4.gt_u(v128.and(v, i32x4.splat(0x7fffffff)), i32x4.splat(0x7f800000));
  return v128.bitselect(v128.and(v128.or(v, i32x4.splat(0x400000)), i32x4.splat(0xffff0000)), rounded, nan);
}
