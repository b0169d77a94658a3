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
import { fma4 } from './simd';

/**
 * q16 · kf over hd elements (both already f16 values as f32) as
 * ggml_vec_dot_f16 computes it with AVX-512: whole groups of 64 go to 64 f32
 * lanes (sixteen vectors here; a half times a half is exact in f32, so each
 * step rounds once), reduced in GGML_F32x16_REDUCE's and
 * _mm512_reduce_add_ps's order; the rest is summed in f64; then one f32 rounding.
 */
function ggmlDotF16(q16: usize, kf: usize, hd: i32): f32 {
  const vectorEnd = hd - (hd & 63);
  let sum: f64 = 0;
  if (vectorEnd > 0) {
    let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
    let a8 = a0, a9 = a0, a10 = a0, a11 = a0, a12 = a0, a13 = a0, a14 = a0, a15 = a0;
    for (let g: usize = 0; g < (<usize>vectorEnd << 2); g += 256) {
      const q = q16 + g;
      const k = kf + g;
      a0 = f32x4.add(a0, f32x4.mul(v128.load(q), v128.load(k)));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(q, 16), v128.load(k, 16)));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(q, 32), v128.load(k, 32)));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(q, 48), v128.load(k, 48)));
      a4 = f32x4.add(a4, f32x4.mul(v128.load(q, 64), v128.load(k, 64)));
      a5 = f32x4.add(a5, f32x4.mul(v128.load(q, 80), v128.load(k, 80)));
      a6 = f32x4.add(a6, f32x4.mul(v128.load(q, 96), v128.load(k, 96)));
      a7 = f32x4.add(a7, f32x4.mul(v128.load(q, 112), v128.load(k, 112)));
      a8 = f32x4.add(a8, f32x4.mul(v128.load(q, 128), v128.load(k, 128)));
      a9 = f32x4.add(a9, f32x4.mul(v128.load(q, 144), v128.load(k, 144)));
      a10 = f32x4.add(a10, f32x4.mul(v128.load(q, 160), v128.load(k, 160)));
      a11 = f32x4.add(a11, f32x4.mul(v128.load(q, 176), v128.load(k, 176)));
      a12 = f32x4.add(a12, f32x4.mul(v128.load(q, 192), v128.load(k, 192)));
      a13 = f32x4.add(a13, f32x4.mul(v128.load(q, 208), v128.load(k, 208)));
      a14 = f32x4.add(a14, f32x4.mul(v128.load(q, 224), v128.load(k, 224)));
      a15 = f32x4.add(a15, f32x4.mul(v128.load(q, 240), v128.load(k, 240)));
    }
    // four 16-lane accumulators (a0-a3, a4-a7, a8-a11, a12-a15): 0 + 2 and 1 + 3, then their sum
    const t0 = f32x4.add(f32x4.add(a0, a8), f32x4.add(a4, a12));
    const t1 = f32x4.add(f32x4.add(a1, a9), f32x4.add(a5, a13));
    const t2 = f32x4.add(f32x4.add(a2, a10), f32x4.add(a6, a14));
    const t3 = f32x4.add(f32x4.add(a3, a11), f32x4.add(a7, a15));
    // 16 lanes to 8, to 4, then (0 + 2) + (1 + 3)
    const four = f32x4.add(f32x4.add(t0, t2), f32x4.add(t1, t3));
    sum = <f64>((f32x4.extract_lane(four, 0) + f32x4.extract_lane(four, 2)) + (f32x4.extract_lane(four, 1) + f32x4.extract_lane(four, 3)));
  }
  for (let i = vectorEnd; i < hd; i++) sum += <f64>load<f32>(q16 + (<usize>i << 2)) * <f64>load<f32>(kf + (<usize>i << 2));
  return <f32>sum;
}

/** e^x rounded to f32, through f64 (the reference kernel's Math.exp; both within an ulp of libm's expf). */
@inline function expF32(x: f32): f32 {
  return <f32>Math.exp(<f64>x);
}

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
          const s: f32 = ggmlDotF16(q16, kf, hd) * scale;
          const max = load<f32>(maxes + (<usize>e << 2));
          // a new max rescales what was accumulated; otherwise this row gets weight e^(s - max)
          let rescale: f32 = 1;
          let weight: f32 = 1;
          if (s > max) {
            rescale = max == -Infinity ? 0 : expF32(max - s);
            store<f32>(maxes + (<usize>e << 2), s);
            const r = f32x4.splat(rescale);
            for (let i: usize = 0; i < hdBytes; i += 16) v128.store(acc + i, roundToF16(f32x4.mul(v128.load(acc + i), r)));
          } else {
            weight = expF32(s - max);
          }
          // ggml_vec_mad_f16: a fused multiply-add in f32, then stored as f16
          const wv = f32x4.splat(weight);
          for (let i: usize = 0; i < hdBytes; i += 16) v128.store(acc + i, roundToF16(fma4(v128.load(vf + i), wv, v128.load(acc + i))));
          // S = S·ms + vs, fused (the product is exact in f64)
          store<f32>(sums + (<usize>e << 2), <f32>(<f64>load<f32>(sums + (<usize>e << 2)) * <f64>rescale + <f64>weight));
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
