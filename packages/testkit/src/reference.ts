/**
 * Float64 references for the op set, independent of any backend. Inputs are
 * plain arrays already decoded to numbers; shapes follow `@llamita/core`'s ops.
 */

/** x `[m, k]` · w `[n, k]`ᵀ → `[m, n]`. */
export function refMatmul(x: ArrayLike<number>, w: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let t = 0; t < k; t++) s += x[i * k + t]! * w[j * k + t]!;
      out[i * n + j] = s;
    }
  return out;
}

/** RMSNorm of x `[m, n]` with weight `[n]`. */
export function refRmsNorm(x: ArrayLike<number>, weight: ArrayLike<number>, eps: number, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    let ss = 0;
    for (let j = 0; j < n; j++) ss += x[i * n + j]! ** 2;
    const r = 1 / Math.sqrt(ss / n + eps);
    for (let j = 0; j < n; j++) out[i * n + j] = x[i * n + j]! * r * weight[j]!;
  }
  return out;
}

/** RoPE of x `[m, heads, hd]` at positions `[m]`, as complex rotation of index pairs. */
export function refRope(x: ArrayLike<number>, pos: ArrayLike<number>, theta: number, mode: 'adjacent' | 'half', m: number, heads: number, hd: number, factors?: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(x as ArrayLike<number>);
  for (let t = 0; t < m; t++)
    for (let h = 0; h < heads; h++)
      for (let i = 0; i < hd / 2; i++) {
        const base = (t * heads + h) * hd;
        const [a, b] = mode === 'adjacent' ? [base + 2 * i, base + 2 * i + 1] : [base + i, base + i + hd / 2];
        const ang = pos[t]! / theta ** ((2 * i) / hd) / (factors ? factors[i]! : 1);
        out[a] = x[a]! * Math.cos(ang) - x[b]! * Math.sin(ang);
        out[b] = x[a]! * Math.sin(ang) + x[b]! * Math.cos(ang);
      }
  return out;
}

/** Causal GQA attention: q `[m, nh, hd]`, k/v `[ctx, nkv, hd]`, query t sees rows 0..pos[t]. */
export function refAttention(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, pos: ArrayLike<number>, scale: number, m: number, nh: number, nkv: number, hd: number): Float64Array {
  const out = new Float64Array(m * nh * hd);
  for (let t = 0; t < m; t++)
    for (let h = 0; h < nh; h++) {
      const g = Math.floor(h / (nh / nkv));
      const s: number[] = [];
      for (let p = 0; p <= pos[t]!; p++) {
        let d = 0;
        for (let i = 0; i < hd; i++) d += q[(t * nh + h) * hd + i]! * k[(p * nkv + g) * hd + i]!;
        s.push(d * scale);
      }
      const mx = Math.max(...s);
      const e = s.map((x) => Math.exp(x - mx));
      const z = e.reduce((a, b) => a + b, 0);
      for (let i = 0; i < hd; i++) {
        let acc = 0;
        e.forEach((w, p) => (acc += w * v[(p * nkv + g) * hd + i]!));
        out[(t * nh + h) * hd + i] = acc / z;
      }
    }
  return out;
}

/** silu(gate) * up. */
export function refSwiglu(gate: ArrayLike<number>, up: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: gate.length }, (_, i) => (gate[i]! / (1 + Math.exp(-gate[i]!))) * up[i]!);
}
