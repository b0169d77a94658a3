// Row-wise and elementwise ops in SIMD. Each call covers rows (or, for the
// elementwise ones, 4-element chunks) r0 <= r < r1, so threads can split them.

import { glibcExpf } from './expf';
import { fma4 } from './simd';

/**
 * e^x in four f32 lanes exactly as llama.cpp's ggml_v_expf (Arm's
 * optimized-routines expf: x = n·ln2 + b, a degree-5 polynomial in b scaled
 * by 2^n; within 1.5 ulp), with its fused multiply-adds, so silu rounds as in
 * llama.cpp. The constants are ggml's f32 hex literals.
 */
@inline export function ggmlExp4(x: v128): v128 {
  const shifter = f32x4.splat(12582912); // 0x1.8p23: adding it rounds to an integer
  const n = f32x4.sub(fma4(x, f32x4.splat(1.4426950216293335), shifter), shifter);
  const negN = f32x4.neg(n);
  const b = fma4(negN, f32x4.splat(0.000001428606765330187), fma4(negN, f32x4.splat(0.693145751953125), x));
  const u = f32x4.mul(b, b);
  const j = fma4(
    fma4(fma4(f32x4.splat(0.008247390389442444), b, f32x4.splat(0.04189976677298546)), u, fma4(f32x4.splat(0.16668395698070526), b, f32x4.splat(0.4999912679195404))),
    u,
    fma4(f32x4.splat(0.9999994039535522), b, f32x4.splat(1)),
  );
  // j · 2^n as two exact power-of-two products (|n| <= 192 needs two halves to stay in range), the way scalef rounds once
  const half = f32x4.trunc(f32x4.mul(n, f32x4.splat(0.5)));
  const scaled = f32x4.mul(f32x4.mul(j, pow2(half)), pow2(f32x4.sub(n, half)));
  // |n| > 192: past f32's range, 0 below and infinity above
  const limit = v128.bitselect(f32x4.splat(0), f32x4.splat(Infinity), f32x4.le(n, f32x4.splat(0)));
  return v128.bitselect(limit, scaled, f32x4.gt(f32x4.abs(n), f32x4.splat(192)));
}

/** 2^n for integer-valued f32 lanes with |n| <= 96, through the exponent bits. */
@inline function pow2(n: v128): v128 {
  return i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
}

/**
 * out = silu(gate) · up over elements [4·c0, 4·c1) of `count` (the last chunk
 * may be partial), rounded as llama.cpp's ggml_vec_swiglu_f32 with AVX-512:
 * ggml's vector expf on whole groups of 16, libm's expf on the rest.
 */
export function swiglu(gate: usize, up: usize, out: usize, count: i32, c0: i32, c1: i32): void {
  const one = f32x4.splat(1);
  const vectorEnd = count - (count & 15);
  const full = min(c1, vectorEnd >> 2);
  for (let c = c0; c < full; c++) {
    const o = <usize>c << 4;
    const g = v128.load(gate + o);
    v128.store(out + o, f32x4.mul(f32x4.div(g, f32x4.add(one, ggmlExp4(f32x4.neg(g)))), v128.load(up + o)));
  }
  const end = min(c1 << 2, count);
  for (let e = max(c0 << 2, vectorEnd); e < end; e++) {
    const g = load<f32>(gate + (<usize>e << 2));
    store<f32>(out + (<usize>e << 2), (g / (1 + glibcExpf(-g))) * load<f32>(up + (<usize>e << 2)));
  }
}

/** out = a + b over elements [4·c0, 4·c1) of `count`. */
export function add(a: usize, b: usize, out: usize, count: i32, c0: i32, c1: i32): void {
  const full = min(c1, count >> 2);
  for (let c = c0; c < full; c++) {
    const o = <usize>c << 4;
    v128.store(out + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
  }
  if (c1 << 2 >= count) {
    for (let e = max(c0, full) << 2; e < count; e++) store<f32>(out + (<usize>e << 2), load<f32>(a + (<usize>e << 2)) + load<f32>(b + (<usize>e << 2)));
  }
}

/**
 * RMSNorm of rows r0 <= r < r1 of x [m, n], as ggml computes it: squares in
 * f32 summed in f64, `scale = 1 / sqrt(mean + eps)` in f32, then x · scale and
 * the product with the weight each rounded to f32.
 */
export function rmsNorm(x: usize, weight: usize, eps: f32, m: i32, n: i32, out: usize, r0: i32, r1: i32): void {
  const n4 = n & ~3;
  for (let r = r0; r < r1; r++) {
    const row = x + ((<usize>r * <usize>n) << 2);
    const orow = out + ((<usize>r * <usize>n) << 2);
    let lo = f64x2.splat(0);
    let hi = f64x2.splat(0);
    for (let j = 0; j < n4; j += 4) {
      const v = v128.load(row + (<usize>j << 2));
      const sq = f32x4.mul(v, v);
      lo = f64x2.add(lo, f64x2.promote_low_f32x4(sq));
      hi = f64x2.add(hi, f64x2.promote_low_f32x4(i32x4.shuffle(sq, sq, 2, 3, 0, 1)));
    }
    let sum = f64x2.extract_lane(lo, 0) + f64x2.extract_lane(lo, 1) + f64x2.extract_lane(hi, 0) + f64x2.extract_lane(hi, 1);
    for (let j = n4; j < n; j++) {
      const v = load<f32>(row + (<usize>j << 2));
      sum += <f64>(v * v);
    }
    const mean = <f32>(sum / n);
    const scale: f32 = <f32>1 / Mathf.sqrt(mean + eps);
    const s = f32x4.splat(scale);
    for (let j = 0; j < n4; j += 4) {
      const o = <usize>j << 2;
      v128.store(orow + o, f32x4.mul(f32x4.mul(v128.load(row + o), s), v128.load(weight + o)));
    }
    for (let j = n4; j < n; j++) store<f32>(orow + (<usize>j << 2), load<f32>(row + (<usize>j << 2)) * scale * load<f32>(weight + (<usize>j << 2)));
  }
}

// lane masks for RoPE: which lanes hold the first element of their pair
const FIRST_ALL = i32x4.splat(-1);
const SECOND_ALL = i32x4.splat(0);
const FIRST_EVEN = i32x4(-1, 0, -1, 0);

/**
 * Rotary embedding of tokens r0 <= r < r1 of x [m, heads, hd] into out, with
 * the host's per-token tables `cos` and `sin` [m, hd] already laid out per
 * element: out[e] = x[e] · cos[e] + x[partner(e)] · sin[e], the partner being
 * e ^ 1 (`half` false: adjacent pairs, sin negated on even e) or e ± hd/2
 * (`half` true: sin negated on the first half). hd must be a multiple of 4.
 */
export function rope(x: usize, out: usize, cos: usize, sin: usize, m: i32, heads: i32, hd: i32, half: bool, r0: i32, r1: i32): void {
  const rowBytes = <usize>hd << 2;
  const halfBytes = rowBytes >> 1;
  for (let r = r0; r < r1; r++) {
    const c = cos + <usize>r * rowBytes;
    const s = sin + <usize>r * rowBytes;
    for (let h = 0; h < heads; h++) {
      const base = (<usize>r * <usize>heads + <usize>h) * rowBytes;
      const xi = x + base;
      const oi = out + base;
      for (let e: usize = 0; e < rowBytes; e += 16) {
        const v = v128.load(xi + e);
        const partner = half ? v128.load(xi + (e < halfBytes ? e + halfBytes : e - halfBytes)) : i32x4.shuffle(v, v, 1, 0, 3, 2);
        const cs = v128.load(c + e);
        const sn = v128.load(s + e);
        // ggml's x0·cos − x1·sin and x0·sin + x1·cos, compiled with x0's product fused into the sum:
        // the first element of a pair fuses v·cos, the second partner·sin
        const first = fma4(v, cs, f32x4.mul(partner, sn));
        const second = fma4(partner, sn, f32x4.mul(v, cs));
        const isFirst = half ? (e < halfBytes ? FIRST_ALL : SECOND_ALL) : FIRST_EVEN;
        v128.store(oi + e, v128.bitselect(first, second, isFirst));
      }
    }
  }
}
