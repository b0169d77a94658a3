// Matmuls for the remaining GGUF weight types, one weight row at a time:
// Q4_1, Q5_0 and Q5_1 against Q8_0 activations, Q2_K, Q3_K and Q5_K against Q8_K, and
// f16/bf16 against activations rounded to the same half type (as llama.cpp
// converts them). Layouts follow ggml-common.h; arguments as in matmul.ts,
// with `xs` the per-32 (Q8_0) or per-16 (Q8_K) sums of the activation quants.

import { halfBitsToF32 } from './half';
import { q4KScalesMins } from './matmul-q4';
import { dot16Unsigned, fma4, fours, half, hsum8, hsumI32 } from './simd';

/** 16 lanes of 0x10 where bit (first + lane) of `bits` is set: the fifth bits of Q5 quants. */
@inline function fifthBits(bits: u32, first: i32): v128 {
  const word = i32x4.splat(<i32>(bits >> first));
  const bytes = i8x16.swizzle(word, i8x16(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1));
  const mask = i8x16(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
  return v128.and(i8x16.eq(v128.and(bytes, mask), mask), i8x16.splat(0x10));
}

/**
 * The 32-element types: `dOff`/`mOff` the f16 scale and min (mOff < 0: none),
 * `hOff` the 32 fifth bits (< 0: none), `qOff` the 16 nibble bytes, `offset`
 * subtracted from each quant (8 or 16 for the types without a min, else 0).
 * Constant at each inlined call, so the branches fold away.
 */
@inline function matmulBlocks32(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize, j0: i32, j1: i32, blockBytes: usize, mOff: i32, hOff: i32, qOff: usize, offset: i32): void {
  const blocks = k >> 5;
  const low = i8x16.splat(0x0f);
  for (let j = j0; j < j1; j++) {
    const wr = w + <usize>j * <usize>blocks * blockBytes;
    for (let i = 0; i < m; i++) {
      let s: f32 = 0;
      // the types without a min sum as llama.cpp's x86 kernels do: eight lanes of four elements, hsum_float_8
      let lanesLo = f32x4.splat(0);
      let lanesHi = f32x4.splat(0);
      for (let b = 0; b < blocks; b++) {
        const wb = wr + <usize>b * blockBytes;
        const at = (<usize>i * <usize>blocks + <usize>b) << 2;
        const xb = xq + <usize>i * <usize>k + (<usize>b << 5);
        const p = v128.load(wb + qOff);
        let lo = v128.and(p, low);
        let hi = i8x16.shr_u(p, 4);
        if (hOff >= 0) {
          const bits = load<u32>(wb + <usize>hOff);
          lo = v128.or(lo, fifthBits(bits, 0));
          hi = v128.or(hi, fifthBits(bits, 16));
        }
        const dx = load<f32>(xd + at);
        if (mOff >= 0) {
          const sumi = hsumI32(i32x4.extadd_pairwise_i16x8_s(i16x8.add(dot16Unsigned(lo, v128.load(xb)), dot16Unsigned(hi, v128.load(xb + 16)))));
          s += half(f16, wb) * dx * <f32>sumi + half(f16, wb + <usize>mOff) * dx * <f32>load<i32>(xs + at);
        } else {
          const scale = f32x4.splat(half(f16, wb) * dx);
          lanesLo = fma4(f32x4.convert_i32x4_s(centeredFours(lo, v128.load(xb), offset)), scale, lanesLo);
          lanesHi = fma4(f32x4.convert_i32x4_s(centeredFours(hi, v128.load(xb + 16), offset)), scale, lanesHi);
        }
      }
      store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), mOff >= 0 ? s : hsum8(lanesLo, lanesHi));
    }
  }
}

/** Σ (q − offset)·x over each four consecutive of 16 elements. */
@inline function centeredFours(q: v128, x: v128, offset: i32): v128 {
  const sums = i32x4.extadd_pairwise_i16x8_s(i16x8.extadd_pairwise_i8x16_s(x));
  return i32x4.sub(fours(q, x), i32x4.mul(sums, i32x4.splat(offset)));
}

/** Q4_1 (20-byte blocks: f16 d, f16 m, 16 nibble bytes; value q·d + m). */
export function matmulQ4_1(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize, j0: i32, j1: i32): void {
  matmulBlocks32(xq, xd, xs, w, out, m, k, n, f16, j0, j1, 20, 2, -1, 4, 0);
}

/** Q5_0 (22-byte blocks: f16 d, u32 fifth bits, 16 nibble bytes; value (q - 16)·d). */
export function matmulQ5_0(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize, j0: i32, j1: i32): void {
  matmulBlocks32(xq, xd, xs, w, out, m, k, n, f16, j0, j1, 22, -1, 2, 6, 16);
}

/** Q5_1 (24-byte blocks: f16 d, f16 m, u32 fifth bits, 16 nibble bytes; value q·d + m). */
export function matmulQ5_1(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize, j0: i32, j1: i32): void {
  matmulBlocks32(xq, xd, xs, w, out, m, k, n, f16, j0, j1, 24, 2, 4, 8, 0);
}

/**
 * Q5_K (176-byte blocks of 256: f16 d, f16 dmin, 12 scale bytes as Q4_K's,
 * 32 bytes of fifth bits, 128 nibble bytes), rounded as ggml's AVX2
 * vec_dot_q5_K_q8_K: eight integer lanes (elements 4l..4l+3 of every
 * sub-block of 32, times its scale) scaled into f32 lanes per block with a
 * fused multiply-add, the mins in one f32 sum, hsum_float_8 plus that sum last.
 */
export function matmulQ5_K(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize, j0: i32, j1: i32): void {
  const blocks = k >> 8;
  const low = i8x16.splat(0x0f);
  const bit = i8x16.splat(1);
  for (let j = j0; j < j1; j++) {
    const wr = w + <usize>j * <usize>blocks * 176;
    for (let i = 0; i < m; i++) {
      let lanesLo = f32x4.splat(0);
      let lanesHi = f32x4.splat(0);
      let summs: f32 = 0;
      for (let b = 0; b < blocks; b++) {
        const wb = wr + <usize>b * 176;
        const xb = xq + <usize>i * <usize>k + (<usize>b << 8);
        const sums = xs + ((<usize>i * <usize>(k >> 4) + (<usize>b << 4)) << 2);
        const dy = load<f32>(xd + ((<usize>i * <usize>blocks + <usize>b) << 2));
        const qh0 = v128.load(wb + 16);
        const qh1 = v128.load(wb + 32);
        const sm = q4KScalesMins(wb + 4);
        const scLo = i32x4.extract_lane(sm, 0);
        const scHi = i32x4.extract_lane(sm, 1);
        const minLo = i32x4.extract_lane(sm, 2);
        const minHi = i32x4.extract_lane(sm, 3);
        let intLo = i32x4.splat(0);
        let intHi = i32x4.splat(0);
        let mins = 0;
        for (let c = 0; c < 4; c++) {
          const q = wb + 48 + (<usize>c << 5);
          const y = xb + (<usize>c << 6);
          const p0 = v128.load(q);
          const p1 = v128.load(q + 16);
          // fifth bits: bit 2c of qh for the low nibbles (sub-block 2c), bit 2c+1 for the high ones
          const h0lo = i8x16.shl(v128.and(i8x16.shr_u(qh0, 2 * c), bit), 4);
          const h1lo = i8x16.shl(v128.and(i8x16.shr_u(qh1, 2 * c), bit), 4);
          const h0hi = i8x16.shl(v128.and(i8x16.shr_u(qh0, 2 * c + 1), bit), 4);
          const h1hi = i8x16.shl(v128.and(i8x16.shr_u(qh1, 2 * c + 1), bit), 4);
          // Q5_K packs its scales and mins as Q4_K does
          const word = c < 2 ? scLo : scHi;
          const minWord = c < 2 ? minLo : minHi;
          const shift = (c & 1) << 4;
          const scale0 = i32x4.splat((word >> shift) & 0xff);
          const scale1 = i32x4.splat((word >> (shift + 8)) & 0xff);
          intLo = i32x4.add(intLo, i32x4.mul(fours(v128.or(v128.and(p0, low), h0lo), v128.load(y)), scale0));
          intHi = i32x4.add(intHi, i32x4.mul(fours(v128.or(v128.and(p1, low), h1lo), v128.load(y + 16)), scale0));
          intLo = i32x4.add(intLo, i32x4.mul(fours(v128.or(i8x16.shr_u(p0, 4), h0hi), v128.load(y + 32)), scale1));
          intHi = i32x4.add(intHi, i32x4.mul(fours(v128.or(i8x16.shr_u(p1, 4), h1hi), v128.load(y + 48)), scale1));
          const g = sums + (<usize>(4 * c) << 2);
          mins += ((minWord >> shift) & 0xff) * (load<i32>(g) + load<i32>(g + 4)) + ((minWord >> (shift + 8)) & 0xff) * (load<i32>(g + 8) + load<i32>(g + 12));
        }
        const d = f32x4.splat(dy * half(f16, wb));
        lanesLo = fma4(f32x4.convert_i32x4_s(intLo), d, lanesLo);
        lanesHi = fma4(f32x4.convert_i32x4_s(intHi), d, lanesHi);
        // summs += dmin · mins, fused (the product is exact in f64)
        summs = <f32>(<f64>summs + <f64>(-dy * half(f16, wb + 2)) * <f64>mins);
      }
      store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), hsum8(lanesLo, lanesHi) + summs);
    }
  }
}

/**
 * f16 (bf16 when `brain`) weights against activations `x` already rounded to
 * the same type (kept as f32). When k is a multiple of 16 the products go into
 * sixteen f32 lanes (element t into lane t mod 16; a half times a half is
 * exact in f32, so each step rounds once) and the lanes are summed in
 * _mm512_reduce_add_ps's order: llama.cpp's AVX-512 F16 matmul (llamafile's
 * tinyBLAS), rounding for rounding.
 */
@inline function matmulHalf(x: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize, j0: i32, j1: i32, brain: bool): void {
  const k16 = k & 15 ? 0 : k;
  for (let j = j0; j < j1; j++) {
    const wr = w + ((<usize>j * <usize>k) << 1);
    for (let i = 0; i < m; i++) {
      const xr = x + ((<usize>i * <usize>k) << 2);
      let a = f32x4.splat(0);
      let b = f32x4.splat(0);
      let c = f32x4.splat(0);
      let d = f32x4.splat(0);
      for (let t = 0; t < k16; t += 16) {
        const h0 = v128.load(wr + (<usize>t << 1));
        const h1 = v128.load(wr + (<usize>t << 1) + 16);
        const xt = xr + (<usize>t << 2);
        a = f32x4.add(a, f32x4.mul(v128.load(xt), widenHalf(i32x4.extend_low_i16x8_u(h0), brain)));
        b = f32x4.add(b, f32x4.mul(v128.load(xt + 16), widenHalf(i32x4.extend_high_i16x8_u(h0), brain)));
        c = f32x4.add(c, f32x4.mul(v128.load(xt + 32), widenHalf(i32x4.extend_low_i16x8_u(h1), brain)));
        d = f32x4.add(d, f32x4.mul(v128.load(xt + 48), widenHalf(i32x4.extend_high_i16x8_u(h1), brain)));
      }
      // lanes 0-7 plus 8-15, then the two halves of that, then pairs (0+2, 1+3), then the last two
      const quarter = f32x4.add(f32x4.add(a, c), f32x4.add(b, d));
      let s = (f32x4.extract_lane(quarter, 0) + f32x4.extract_lane(quarter, 2)) + (f32x4.extract_lane(quarter, 1) + f32x4.extract_lane(quarter, 3));
      for (let t = k16; t < k; t++) {
        const bits = <u32>load<u16>(wr + (<usize>t << 1));
        s += load<f32>(xr + (<usize>t << 2)) * (brain ? reinterpret<f32>(bits << 16) : load<f32>(f16 + (<usize>bits << 2)));
      }
      store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), s);
    }
  }
}

/** Four half-precision bit patterns (in the low halves of i32 lanes) as f32: bf16 by a shift, f16 by conversion. */
@inline function widenHalf(bits: v128, brain: bool): v128 {
  return brain ? i32x4.shl(bits, 16) : halfBitsToF32(bits);
}

/** f16 weights. */
export function matmulF16(x: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize, j0: i32, j1: i32): void {
  matmulHalf(x, w, out, m, k, n, f16, j0, j1, false);
}

/** bf16 weights. */
export function matmulBF16(x: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize, j0: i32, j1: i32): void {
  matmulHalf(x, w, out, m, k, n, f16, j0, j1, true);
}

// Q2_K and Q3_K against Q8_K activations. Both keep sixteen groups of 16
// elements per block of 256 in the same order (chunk n of 128, then the
// 2-bit field j of each byte, then the first or second 16 bytes), each group
// with its own scale; group g covers elements 16g..16g+15, so its activation
// sum is the g-th per-16 sum in `xs`.

/** The 2-bit fields `shift` of 16 quant bytes as unsigned values 0..3. */
@inline function twoBits(bytes: v128, shift: i32): v128 {
  return v128.and(i8x16.shr_u(bytes, shift), i8x16.splat(3));
}

/**
 * Q2_K (84-byte blocks: 16 scale bytes (scale low nibble, min high nibble),
 * 64 bytes of 2-bit quants, f16 d, f16 dmin; value d·scale·q − dmin·min).
 */
export function matmulQ2_K(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize, j0: i32, j1: i32): void {
  const blocks = k >> 8;
  for (let j = j0; j < j1; j++) {
    const wr = w + <usize>j * <usize>blocks * 84;
    for (let i = 0; i < m; i++) {
      let s: f32 = 0;
      for (let b = 0; b < blocks; b++) {
        const wb = wr + <usize>b * 84;
        const xb = xq + <usize>i * <usize>k + (<usize>b << 8);
        const sums = xs + ((<usize>i * <usize>(k >> 4) + (<usize>b << 4)) << 2);
        let acc = i32x4.splat(0);
        let mins = 0;
        for (let g = 0; g < 16; g++) {
          const chunk = g >> 3;
          const field = (g >> 1) & 3;
          const bytes = v128.load(wb + 16 + (<usize>chunk << 5) + (<usize>(g & 1) << 4));
          const sc = <i32>load<u8>(wb + <usize>g);
          acc = i32x4.add(acc, i32x4.dot_i16x8_s(dot16Unsigned(twoBits(bytes, 2 * field), v128.load(xb + (<usize>g << 4))), i16x8.splat(<i16>(sc & 0xf))));
          mins += (sc >> 4) * load<i32>(sums + (<usize>g << 2));
        }
        const dy = load<f32>(xd + ((<usize>i * <usize>blocks + <usize>b) << 2));
        s += dy * half(f16, wb + 80) * <f32>hsumI32(acc) - dy * half(f16, wb + 82) * <f32>mins;
      }
      store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), s);
    }
  }
}

/** The sixteen 6-bit Q3_K scales (stored offset by 32) packed in the 12 bytes at `p`, as signed values: scale g of the block. */
@inline function q3KScale(p: usize, g: i32): i32 {
  // low 4 bits: nibble g of bytes 0..7 (g < 8: low nibbles, else high); high 2 bits: bits 2·(g / 4) of bytes 8..11, byte g % 4
  const low: i32 = g < 8 ? <i32>load<u8>(p + <usize>g) & 0xf : <i32>load<u8>(p + <usize>(g - 8)) >> 4;
  const high: i32 = (<i32>load<u8>(p + 8 + <usize>(g & 3)) >> (2 * (g >> 2))) & 3;
  return (low | (high << 4)) - 32;
}

/**
 * Q3_K (110-byte blocks: 32 bytes of high bits, 64 bytes of 2-bit quants, 12
 * bytes of 6-bit scales, f16 d; value d·scale·(q − 4·(1 − high bit))). The
 * quants run as unsigned 0..7 (high bit set: +4), the offset of 4 returns
 * through the activation sums.
 */
export function matmulQ3_K(xq: usize, xd: usize, xs: usize, w: usize, out: usize, m: i32, k: i32, n: i32, f16: usize, j0: i32, j1: i32): void {
  const blocks = k >> 8;
  for (let j = j0; j < j1; j++) {
    const wr = w + <usize>j * <usize>blocks * 110;
    for (let i = 0; i < m; i++) {
      let s: f32 = 0;
      for (let b = 0; b < blocks; b++) {
        const wb = wr + <usize>b * 110;
        const xb = xq + <usize>i * <usize>k + (<usize>b << 8);
        const sums = xs + ((<usize>i * <usize>(k >> 4) + (<usize>b << 4)) << 2);
        let acc = i32x4.splat(0);
        let offset = 0;
        for (let g = 0; g < 16; g++) {
          const chunk = g >> 3;
          const field = (g >> 1) & 3;
          const half16 = <usize>(g & 1) << 4;
          const bytes = v128.load(wb + 32 + (<usize>chunk << 5) + half16);
          // the high bit of group g's elements: bit (4·chunk + field) of the hmask bytes for its 16 positions
          const high = v128.and(i8x16.shr_u(v128.load(wb + half16), 4 * chunk + field), i8x16.splat(1));
          const q = v128.or(twoBits(bytes, 2 * field), i8x16.shl(high, 2));
          const scale = q3KScale(wb + 96, g);
          acc = i32x4.add(acc, i32x4.dot_i16x8_s(dot16Unsigned(q, v128.load(xb + (<usize>g << 4))), i16x8.splat(<i16>scale)));
          offset += scale * load<i32>(sums + (<usize>g << 2));
        }
        const dy = load<f32>(xd + ((<usize>i * <usize>blocks + <usize>b) << 2));
        s += dy * half(f16, wb + 108) * <f32>(hsumI32(acc) - 4 * offset);
      }
      store<f32>(out + ((<usize>i * <usize>n + <usize>j) << 2), s);
    }
  }
}
