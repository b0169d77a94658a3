// Causal grouped-query attention over an f16 KV cache, computed as llama.cpp's
// CPU flash attention does (and as the reference kernel attentionF16Cache):
// q rounded to f16 for q·k, online softmax with a running max, and the
// weighted sum of V kept in an f16 accumulator (rounded after every step).
//
// Shapes (outermost first): q f32 [m, nHead, hd]; k, v f16 bits [ctx, nKv, hd];
// positions i32 [m] (already checked to lie in [0, ctx)); out f32 [m, nHead*hd].
// A call computes heads h0 <= h < h1, so threads split the work by head;
// `scratch` has room for 2·hd f32 per head, and a call uses the part of head h0.
// hd must be a multiple of 4.

const SIGN: i32 = 0x80000000;
/** f32 bits of 2^-14, the smallest normal f16. */
const MIN_NORMAL_F16: i32 = 0x38800000;
/** f32 bits of 65520: this and above round to infinity in f16. */
const F16_OVERFLOW: i32 = 0x477ff000;

/** Rounds four f32 lanes to the nearest f16 value (ties to even), kept as f32. */
@inline function roundToF16(x: v128): v128 {
  const sign = v128.and(x, i32x4.splat(SIGN));
  const a = v128.andnot(x, i32x4.splat(SIGN));
  // normal range: round the 13 dropped mantissa bits to nearest even on the bits
  const normal = v128.and(i32x4.add(i32x4.add(a, i32x4.splat(0x0fff)), v128.and(i32x4.shr_u(a, 13), i32x4.splat(1))), i32x4.splat(~0x1fff));
  // subnormal range: adding 0.5 leaves multiples of 2^-24, f16's subnormal step
  const subnormal = f32x4.sub(f32x4.add(a, f32x4.splat(0.5)), f32x4.splat(0.5));
  let r = v128.bitselect(subnormal, normal, i32x4.lt_s(a, i32x4.splat(MIN_NORMAL_F16)));
  r = v128.bitselect(i32x4.splat(0x7f800000), r, i32x4.ge_s(a, i32x4.splat(F16_OVERFLOW)));
  return v128.or(r, sign);
}

/** Four f16 values at `at` as f32 lanes (exact, subnormals and infinities included). */
@inline function loadF16x4(at: usize): v128 {
  const h = i32x4.extend_low_i16x8_u(v128.load64_zero(at));
  const sign = i32x4.shl(v128.and(h, i32x4.splat(0x8000)), 16);
  const magnitude = i32x4.shl(v128.and(h, i32x4.splat(0x7fff)), 13);
  // moving the bits up leaves the exponent biased by 15 instead of 127: multiply by 2^112
  let f = f32x4.mul(magnitude, f32x4.splat(5.192296858534828e33));
  const special = i32x4.eq(v128.and(h, i32x4.splat(0x7c00)), i32x4.splat(0x7c00));
  f = v128.bitselect(v128.or(magnitude, i32x4.splat(0x7f800000)), f, special);
  return v128.or(f, sign);
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

export function attentionF16(q: usize, k: usize, v: usize, positions: usize, scale: f32, m: i32, nHead: i32, nKv: i32, hd: i32, ctx: i32, out: usize, scratch: usize, h0: i32, h1: i32): void {
  const group = nHead / nKv;
  const hdBytes = <usize>hd << 2;
  const q16 = scratch + <usize>h0 * (hdBytes << 1);
  const acc = q16 + hdBytes;
  const rowStride = (<usize>nKv * <usize>hd) << 1;
  for (let t = 0; t < m; t++) {
    const last = load<i32>(positions + (<usize>t << 2));
    for (let h = h0; h < h1; h++) {
      const qo = q + ((<usize>t * <usize>nHead + <usize>h) * hdBytes);
      const kvh = <usize>(h / group);
      for (let i: usize = 0; i < hdBytes; i += 16) {
        v128.store(q16 + i, roundToF16(v128.load(qo + i)));
        v128.store(acc + i, f32x4.splat(0));
      }
      let sum: f32 = 0;
      let max: f32 = -Infinity;
      for (let p = 0; p <= last; p++) {
        const ko = k + <usize>p * rowStride + ((kvh * <usize>hd) << 1);
        const vo = v + <usize>p * rowStride + ((kvh * <usize>hd) << 1);
        let d = f32x4.splat(0);
        for (let i: usize = 0; i < <usize>hd; i += 4) d = f32x4.add(d, f32x4.mul(v128.load(q16 + (i << 2)), loadF16x4(ko + (i << 1))));
        const s: f32 = hsum(d) * scale;
        // a new max rescales what was accumulated; otherwise this row gets weight e^(s - max)
        let rescale: f32 = 1;
        let weight: f32 = 1;
        if (s > max) {
          rescale = max == -Infinity ? 0 : Mathf.exp(max - s);
          max = s;
          const r = f32x4.splat(rescale);
          for (let i: usize = 0; i < hdBytes; i += 16) v128.store(acc + i, roundToF16(f32x4.mul(v128.load(acc + i), r)));
        } else {
          weight = Mathf.exp(s - max);
        }
        const wv = f32x4.splat(weight);
        for (let i: usize = 0; i < <usize>hd; i += 4) {
          const a = acc + (i << 2);
          v128.store(a, roundToF16(f32x4.add(v128.load(a), f32x4.mul(loadF16x4(vo + (i << 1)), wv))));
        }
        sum = sum * rescale + weight;
      }
      const inv = f32x4.splat(<f32>1 / sum);
      const oo = out + ((<usize>t * <usize>nHead + <usize>h) * hdBytes);
      for (let i: usize = 0; i < hdBytes; i += 16) v128.store(oo + i, f32x4.mul(v128.load(acc + i), inv));
    }
  }
}
