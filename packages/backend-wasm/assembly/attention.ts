// Causal grouped-query attention over an f16 KV cache, computed as llama.cpp's
// CPU flash attention does (and as the reference kernel attentionF16Cache):
// q rounded to f16 for q·k, online softmax with a running max, and the
// weighted sum of V kept in an f16 accumulator (rounded after every step).
//
// Shapes (outermost first): q f32 [m, nHead, hd]; k, v f16 bits [ctx, nKv, hd];
// positions i32 [m] (already checked to lie in [0, ctx)); out f32 [m, nHead*hd].
// A call computes KV heads g0 <= g < g1 with all the query heads that share
// them, so each cached K and V row is converted from f16 once for its whole
// group; threads split the work by KV head. `scratch` has
// {@link attentionScratchBytes} per KV head. hd must be a multiple of 4.

import { loadF16x4, roundToF16 } from './half';
import { hsumF32 } from './simd';

/** Scratch bytes per KV head: per query head its f16-rounded q and accumulator, the converted K and V rows, and each head's max and sum. */
export function attentionScratchBytes(group: i32, hd: i32): i32 {
  return group * hd * 8 + hd * 8 + group * 8;
}

export function attentionF16(q: usize, k: usize, v: usize, positions: usize, scale: f32, m: i32, nHead: i32, nKv: i32, hd: i32, ctx: i32, out: usize, scratch: usize, g0: i32, g1: i32): void {
  const group = nHead / nKv;
  const hdBytes = <usize>hd << 2;
  const rowStride = (<usize>nKv * <usize>hd) << 1;
  for (let g = g0; g < g1; g++) {
    // scratch of this KV head: q16 and acc of each query head, then kf, vf, then max and sum per head
    const base = scratch + <usize>g * <usize>attentionScratchBytes(group, hd);
    const kf = base + <usize>group * (hdBytes << 1);
    const vf = kf + hdBytes;
    const maxes = vf + hdBytes;
    const sums = maxes + (<usize>group << 2);
    for (let t = 0; t < m; t++) {
      const last = load<i32>(positions + (<usize>t << 2));
      for (let e = 0; e < group; e++) {
        const q16 = base + <usize>e * (hdBytes << 1);
        const qo = q + (<usize>t * <usize>nHead + <usize>(g * group + e)) * hdBytes;
        for (let i: usize = 0; i < hdBytes; i += 16) {
          v128.store(q16 + i, roundToF16(v128.load(qo + i)));
          v128.store(q16 + hdBytes + i, f32x4.splat(0));
        }
        store<f32>(maxes + (<usize>e << 2), -Infinity);
        store<f32>(sums + (<usize>e << 2), 0);
      }
      for (let p = 0; p <= last; p++) {
        const ko = k + <usize>p * rowStride + ((<usize>g * <usize>hd) << 1);
        const vo = v + <usize>p * rowStride + ((<usize>g * <usize>hd) << 1);
        for (let i: usize = 0; i < <usize>hd; i += 4) {
          v128.store(kf + (i << 2), loadF16x4(ko + (i << 1)));
          v128.store(vf + (i << 2), loadF16x4(vo + (i << 1)));
        }
        for (let e = 0; e < group; e++) {
          const q16 = base + <usize>e * (hdBytes << 1);
          const acc = q16 + hdBytes;
          let d = f32x4.splat(0);
          for (let i: usize = 0; i < hdBytes; i += 16) d = f32x4.add(d, f32x4.mul(v128.load(q16 + i), v128.load(kf + i)));
          const s: f32 = hsumF32(d) * scale;
          const max = load<f32>(maxes + (<usize>e << 2));
          // a new max rescales what was accumulated; otherwise this row gets weight e^(s - max)
          let rescale: f32 = 1;
          let weight: f32 = 1;
          if (s > max) {
            rescale = max == -Infinity ? 0 : Mathf.exp(max - s);
            store<f32>(maxes + (<usize>e << 2), s);
            const r = f32x4.splat(rescale);
            for (let i: usize = 0; i < hdBytes; i += 16) v128.store(acc + i, roundToF16(f32x4.mul(v128.load(acc + i), r)));
          } else {
            weight = Mathf.exp(s - max);
          }
          const wv = f32x4.splat(weight);
          for (let i: usize = 0; i < hdBytes; i += 16) v128.store(acc + i, roundToF16(f32x4.add(v128.load(acc + i), f32x4.mul(v128.load(vf + i), wv))));
          store<f32>(sums + (<usize>e << 2), load<f32>(sums + (<usize>e << 2)) * rescale + weight);
        }
      }
      for (let e = 0; e < group; e++) {
        const acc = base + <usize>e * (hdBytes << 1) + hdBytes;
        const inv = f32x4.splat(<f32>1 / load<f32>(sums + (<usize>e << 2)));
        const oo = out + (<usize>t * <usize>nHead + <usize>(g * group + e)) * hdBytes;
        for (let i: usize = 0; i < hdBytes; i += 16) v128.store(oo + i, f32x4.mul(v128.load(acc + i), inv));
      }
    }
  }
}
