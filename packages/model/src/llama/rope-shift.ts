import { f16ToF32, f32ToF16, ropeCosSin } from '@llamita/tensor';
import type { KvType } from './kv-cache.js';

/**
 * Rotates cached keys by `delta` positions in place, as llama.cpp's K-shift
 * does after a context shift (`ggml_rope_ext` on the cache, positions =
 * delta): each pair is read as f32, rotated with the angles of position
 * `delta`, and stored back in the cache's dtype. Rotating by `delta` after
 * rotating by `p` is the rotation by `p + delta` up to rounding, which is why
 * the shifted keys are not recomputed.
 *
 * `factors` are the model's RoPE frequency factors, if any (Llama 3).
 * `rows` is `[count, heads, headDim]` of `dtype`, row-major, as a
 * {@link KvSnapshot} holds them. Each rotated value is one product rounded and
 * one fused into the sum, as GCC compiles ggml's `x0*cos - x1*sin` (the same
 * rounding as the rope op of the js backend).
 */
export function rotateCachedKeys(rows: Uint8Array, dtype: KvType, headDim: number, mode: 'adjacent' | 'half', theta: number, delta: number, factors?: Float32Array): Uint8Array {
  const aligned = rows.slice();
  const half = dtype === 'f16' ? new Uint16Array(aligned.buffer) : undefined;
  const full = dtype === 'f32' ? new Float32Array(aligned.buffer) : undefined;
  const count = (half ?? full!).length;
  const get = half ? (i: number) => f16ToF32(half[i]!) : (i: number) => full![i]!;
  const set = half ? (i: number, x: number) => (half[i] = f32ToF16(Math.fround(x))) : (i: number, x: number) => (full![i] = x);
  const halfDim = headDim / 2;
  const cos = new Float64Array(halfDim);
  const sin = new Float64Array(halfDim);
  ropeCosSin(delta, theta, headDim, cos, sin, factors);
  for (let base = 0; base < count; base += headDim) {
    for (let i = 0; i < halfDim; i++) {
      const a = mode === 'adjacent' ? base + 2 * i : base + i;
      const b = mode === 'adjacent' ? a + 1 : a + halfDim;
      const x0 = get(a);
      const x1 = get(b);
      set(a, x0 * cos[i]! - Math.fround(x1 * sin[i]!));
      set(b, x0 * sin[i]! + Math.fround(x1 * cos[i]!));
    }
  }
  return aligned;
}
