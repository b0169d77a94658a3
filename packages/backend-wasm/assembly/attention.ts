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

import { loadF16x4, roundToF16 } from './half';

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
