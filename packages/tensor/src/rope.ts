const f32 = Math.fround;

/**
 * cos and sin of RoPE's angles for one position, pair by pair (`headDim / 2`
 * of each), as ggml's CPU rope computes them (ggml_rope_cache_init): the
 * angle of pair i is pos · scale^i with scale = powf(θ, −2/headDim), built by
 * repeated f32 multiplication, then cosf/sinf. Matching its roundings matters:
 * an ulp in q or k can flip an f16 rounding in the attention that follows.
 */
export function ropeCosSin(position: number, theta: number, headDim: number, cos: Float32Array | Float64Array, sin: Float32Array | Float64Array): void {
  const scale = f32(Math.pow(f32(theta), f32(-2 / headDim)));
  let angle = f32(position);
  for (let i = 0; i < headDim / 2; i++) {
    cos[i] = f32(Math.cos(angle));
    sin[i] = f32(Math.sin(angle));
    angle = f32(angle * scale);
  }
}
