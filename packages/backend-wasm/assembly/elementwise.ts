// Row-wise and elementwise ops in SIMD. Each call covers rows (or, for the
// elementwise ones, 4-element chunks) r0 <= r < r1, so threads can split them.

/** e^x in four f32 lanes (Cephes' expf: range reduction by ln 2, degree-6 polynomial; about 1 ulp), clamped to ±88.38. */
@inline function exp4(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-88.3762626647949)), f32x4.splat(88.3762626647949));
  const n = f32x4.floor(f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), f32x4.splat(0.5)));
  x = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375))), f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, x), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(y, x), x), x), f32x4.splat(1));
  // y · 2^n, through the exponent bits (n is within ±128, the clamp keeps the sum a finite f32)
  return i32x4.add(y, i32x4.shl(i32x4.trunc_sat_f32x4_s(n), 23));
}

/** out = silu(gate) · up over elements [4·c0, 4·c1) of `count` (the last chunk may be partial). */
export function swiglu(gate: usize, up: usize, out: usize, count: i32, c0: i32, c1: i32): void {
  const one = f32x4.splat(1);
  const full = min(c1, count >> 2);
  for (let c = c0; c < full; c++) {
    const o = <usize>c << 4;
    const g = v128.load(gate + o);
    v128.store(out + o, f32x4.mul(f32x4.div(g, f32x4.add(one, exp4(f32x4.neg(g)))), v128.load(up + o)));
  }
  if (c1 << 2 >= count) {
    for (let e = max(c0, full) << 2; e < count; e++) {
      const g = load<f32>(gate + (<usize>e << 2));
      store<f32>(out + (<usize>e << 2), (g / (1 + Mathf.exp(-g))) * load<f32>(up + (<usize>e << 2)));
    }
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
        v128.store(oi + e, f32x4.add(f32x4.mul(v, v128.load(c + e)), f32x4.mul(partner, v128.load(s + e))));
      }
    }
  }
}
