import { cosF32, sinF32 } from './libm-sincos.js';

const f32 = Math.fround;

/**
 * cos and sin of RoPE's angles for one position, pair by pair (`headDim / 2`
 * of each), as ggml's CPU rope computes them (ggml_rope_cache_init): the
 * angle of pair i is pos · scale^i with scale = powf(θ, −2/headDim), built by
 * repeated f32 multiplication, then cosf/sinf (glibc's, reproduced in
 * libm-sincos.ts: about 1.3% of theirs are an ulp from the correctly rounded
 * value). Matching its roundings matters:
 * an ulp in q or k can flip an f16 rounding in the attention that follows.
 * With frequency factors (Llama 3.1/3.2's `rope_freqs`, one per pair), pair
 * i's angle is divided by factor i in f32 first, as ggml_rope_cache_init does.
 */
export function ropeCosSin(position: number, theta: number, headDim: number, cos: Float32Array | Float64Array, sin: Float32Array | Float64Array, factors?: ArrayLike<number>): void {
  const scale = f32(Math.pow(f32(theta), f32(-2 / headDim)));
  let angle = f32(position);
  for (let i = 0; i < headDim / 2; i++) {
    const scaled = factors ? f32(angle / f32(factors[i]!)) : angle;
    cos[i] = cosF32(scaled);
    sin[i] = sinF32(scaled);
    angle = f32(angle * scale);
  }
}
