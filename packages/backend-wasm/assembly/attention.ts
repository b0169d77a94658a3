// Causal grouped-query attention over an f16 KV cache, computed as llama.cpp's
// CPU flash attention does (and as the reference kernel attentionF16Cache),
// with its two algorithms: batches of fewer than 64 query rows go one KV row at
// a time (q rounded to f16 for q·k, online softmax with a running max, the
// weighted sum of V in an f16 accumulator rounded after every step); batches of
// 64 or more go through its tiled kernel (f32 throughout, tiles of 64 KV rows).
//
// Shapes (outermost first): q f32 [m, nHead, hd]; k, v f16 bits [ctx, nKv, hd];
// positions i32 [m] (already checked to lie in [0, ctx)); out f32 [m, nHead*hd].
// A call computes KV heads g0 <= g < g1 with all the query heads that share
// them, so each cached K and V row is converted from f16 once for its whole
// group; threads split the work by KV head. `scratch` has
// {@link attentionScratchBytes} per KV head. hd must be a multiple of 4.

import { loadF16x4, roundToF16 } from './half';
import { ggmlExp4 } from './elementwise';
import { glibcExpf } from './expf';
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

/** e^x as libm's expf (glibc's algorithm, as the reference kernel's expF32). */
@inline function expF32(x: f32): f32 {
  return glibcExpf(x);
}

/** Query rows from which llama.cpp takes its tiled kernel (GGML_FA_TILE_Q), and its KV tile (GGML_FA_TILE_KV). */
const TILE = 64;

/** Whether a batch of `m` query rows takes the tiled kernel (which also needs hd a multiple of AVX-512's 16 lanes). */
@inline function tiled(m: i32, hd: i32): bool {
  return m >= TILE && hd % 16 == 0;
}

/**
 * Scratch bytes per KV head. One row at a time: per query head its
 * f16-rounded q and accumulator, the converted K and V rows, and each head's
 * max and sum. Tiled: a K tile (transposed) and a V tile in f32, the tile's
 * weights, and per query row and head its accumulator, max and sum.
 */
export function attentionScratchBytes(group: i32, hd: i32, m: i32): i32 {
  if (tiled(m, hd)) return 2 * TILE * hd * 4 + TILE * 4 + m * group * (hd + 2) * 4;
  return group * hd * 8 + hd * 8 + group * 8;
}

export function attentionF16(q: usize, k: usize, v: usize, positions: usize, scale: f32, m: i32, nHead: i32, nKv: i32, hd: i32, ctx: i32, out: usize, scratch: usize, g0: i32, g1: i32): void {
  if (tiled(m, hd)) {
    for (let g = g0; g < g1; g++) attentionTiled(q, k, v, positions, scale, m, nHead, nKv, hd, out, scratch + <usize>g * <usize>attentionScratchBytes(nHead / nKv, hd, m), g);
    return;
  }
  const group = nHead / nKv;
  const hdBytes = <usize>hd << 2;
  const rowStride = (<usize>nKv * <usize>hd) << 1;
  for (let g = g0; g < g1; g++) {
    // scratch of this KV head: q16 and acc of each query head, then kf, vf, then max and sum per head
    const base = scratch + <usize>g * <usize>attentionScratchBytes(group, hd, m);
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

/**
 * KV head g of a batch of 64 or more query rows, as llama.cpp's
 * ggml_compute_forward_flash_attn_ext_tiled computes each row: q stays f32;
 * per tile of 64 KV rows the scores are fused-multiply-add chains over the
 * head (its simd_gemm), scaled; the tile's max updates the running max
 * (rescaling the f32 accumulator and sum by expf); the weights come from
 * ggml's vector exp, summed 16 at a time in f64 (ggml_vec_soft_max_f32); V
 * is added as one fused-multiply-add chain over the tile per element. Rows
 * past a query's position score −∞. Each tile is converted once for every row.
 */
function attentionTiled(q: usize, k: usize, v: usize, positions: usize, scale: f32, m: i32, nHead: i32, nKv: i32, hd: i32, out: usize, base: usize, g: i32): void {
  const group = nHead / nKv;
  const hdBytes = <usize>hd << 2;
  const rowStride = (<usize>nKv * <usize>hd) << 1;
  const tileK = base; // f32 [hd][TILE]: element d of tile row j at d·TILE + j
  const tileV = tileK + (<usize>(TILE * hd) << 2); // f32 [TILE][hd]
  const weights = tileV + (<usize>(TILE * hd) << 2); // f32 [TILE]
  const states = weights + (TILE << 2); // per (t, e): accumulator [hd], max, sum
  const stateBytes = hdBytes + 8;
  let lastOfAll = 0;
  for (let t = 0; t < m; t++) {
    lastOfAll = max(lastOfAll, load<i32>(positions + (<usize>t << 2)));
    for (let e = 0; e < group; e++) {
      const st = states + <usize>(t * group + e) * stateBytes;
      for (let i: usize = 0; i < hdBytes; i += 16) v128.store(st + i, f32x4.splat(0));
      store<f32>(st + hdBytes, -Infinity);
      store<f32>(st + hdBytes + 4, 0);
    }
  }
  const lane = i32x4(0, 1, 2, 3);
  for (let start = 0; start <= lastOfAll; start += TILE) {
    const rows = min(TILE, lastOfAll + 1 - start);
    for (let j = 0; j < rows; j++) {
      const ko = k + <usize>(start + j) * rowStride + ((<usize>g * <usize>hd) << 1);
      const vo = v + <usize>(start + j) * rowStride + ((<usize>g * <usize>hd) << 1);
      for (let d = 0; d < hd; d += 4) {
        const kv = loadF16x4(ko + (<usize>d << 1));
        store<f32>(tileK + (<usize>(d * TILE + j) << 2), f32x4.extract_lane(kv, 0));
        store<f32>(tileK + (<usize>((d + 1) * TILE + j) << 2), f32x4.extract_lane(kv, 1));
        store<f32>(tileK + (<usize>((d + 2) * TILE + j) << 2), f32x4.extract_lane(kv, 2));
        store<f32>(tileK + (<usize>((d + 3) * TILE + j) << 2), f32x4.extract_lane(kv, 3));
        v128.store(tileV + (<usize>(j * hd + d) << 2), loadF16x4(vo + (<usize>d << 1)));
      }
    }
    for (let t = 0; t < m; t++) {
      const last = load<i32>(positions + (<usize>t << 2));
      // a tile wholly past this row's position changes nothing (llama.cpp skips it)
      if (last < start) continue;
      const visible = min(TILE, last + 1 - start);
      for (let e = 0; e < group; e++) {
        const qo = q + (<usize>t * <usize>nHead + <usize>(g * group + e)) * hdBytes;
        const st = states + <usize>(t * group + e) * stateBytes;
        // scores of the tile's rows in four lanes at a time, each a fused-multiply-add chain over the head
        let tileMax = f32x4.splat(-Infinity);
        for (let c = 0; c < TILE; c += 4) {
          let s = f32x4.splat(0);
          for (let d = 0; d < hd; d++) s = fma4(f32x4.splat(load<f32>(qo + (<usize>d << 2))), v128.load(tileK + (<usize>(d * TILE + c) << 2)), s);
          s = f32x4.mul(s, f32x4.splat(scale));
          // rows past this query's position: −∞
          s = v128.bitselect(f32x4.splat(-Infinity), s, i32x4.ge_s(i32x4.add(lane, i32x4.splat(c)), i32x4.splat(visible)));
          v128.store(weights + (<usize>c << 2), s);
          tileMax = f32x4.max(tileMax, s);
        }
        const tmax = max(max(f32x4.extract_lane(tileMax, 0), f32x4.extract_lane(tileMax, 1)), max(f32x4.extract_lane(tileMax, 2), f32x4.extract_lane(tileMax, 3)));
        const oldMax = load<f32>(st + hdBytes);
        const newMax = max(oldMax, tmax);
        let sum = load<f32>(st + hdBytes + 4);
        if (newMax > oldMax) {
          const rescale = expF32(oldMax - newMax);
          const r = f32x4.splat(rescale);
          for (let i: usize = 0; i < hdBytes; i += 16) v128.store(st + i, f32x4.mul(v128.load(st + i), r));
          sum = sum * rescale;
        }
        store<f32>(st + hdBytes, newMax);
        // weights e^(s − max) by ggml's vector exp; their sum 16 at a time in _mm512_reduce_add_ps's order, in f64
        let tileSum: f64 = 0;
        const mv = f32x4.splat(newMax);
        for (let c: usize = 0; c < <usize>TILE; c += 16) {
          const w = weights + (c << 2);
          const a = ggmlExp4(f32x4.sub(v128.load(w), mv));
          const b = ggmlExp4(f32x4.sub(v128.load(w, 16), mv));
          const cc = ggmlExp4(f32x4.sub(v128.load(w, 32), mv));
          const dd = ggmlExp4(f32x4.sub(v128.load(w, 48), mv));
          v128.store(w, a);
          v128.store(w, b, 16);
          v128.store(w, cc, 32);
          v128.store(w, dd, 48);
          const four = f32x4.add(f32x4.add(a, cc), f32x4.add(b, dd));
          tileSum += <f64>((f32x4.extract_lane(four, 0) + f32x4.extract_lane(four, 2)) + (f32x4.extract_lane(four, 1) + f32x4.extract_lane(four, 3)));
        }
        store<f32>(st + hdBytes + 4, <f32>(<f64>sum + tileSum));
        // V: for each element, one fused-multiply-add chain over the tile's visible rows
        for (let d: usize = 0; d < hdBytes; d += 16) {
          let acc = v128.load(st + d);
          for (let j = 0; j < visible; j++) acc = fma4(v128.load(tileV + (<usize>(j * hd) << 2) + d), f32x4.splat(load<f32>(weights + (<usize>j << 2))), acc);
          v128.store(st + d, acc);
        }
      }
    }
  }
  for (let t = 0; t < m; t++) {
    for (let e = 0; e < group; e++) {
      const st = states + <usize>(t * group + e) * stateBytes;
      const sum = load<f32>(st + hdBytes + 4);
      const inv = f32x4.splat(sum == 0 ? 0 : <f32>1 / sum);
      const oo = out + (<usize>t * <usize>nHead + <usize>(g * group + e)) * hdBytes;
      for (let i: usize = 0; i < hdBytes; i += 16) v128.store(oo + i, f32x4.mul(v128.load(st + i), inv));
    }
  }
}
