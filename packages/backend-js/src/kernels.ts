/**
 * The op set in plain f32 TypeScript, written to be read: the executable spec
 * every other backend is checked against. Each kernel takes typed-array views
 * and sizes; the backend class resolves tensors to views.
 */
import { f16ToF32, f32ToF16, roundTripActivation, type ActivationType } from '@llamita/tensor';

/** Every half-precision value as a number, indexed by its bits. */
const F16_VALUES = Float32Array.from({ length: 65536 }, (_, h) => f16ToF32(h));

/** 2^42 + 1: Veltkamp's splitter that leaves 53 - 42 = 11 significant bits. */
const SPLIT_F16 = 4398046511105;

/**
 * Rounds to the nearest f16 value (ties to even). In f16's normal range the
 * Veltkamp split does it with three float operations; outside it (subnormals,
 * overflow) the exact bit conversion runs.
 */
function toF16(x: number): number {
  const a = Math.abs(x);
  if (a >= 6.103515625e-5 && a < 65504) {
    const t = x * SPLIT_F16;
    return t - (t - x);
  }
  return f16ToF32(f32ToF16(x));
}
const f32 = Math.fround;

/** Weight rows decoded on demand: row r of a `[n, k]` weight as f32. */
export type RowReader = (row: number, out: Float32Array) => void;

/** out[i,:] = table[ids[i],:] — table `[vocab, dim]` via `readRow`, ids `[m]`, out `[m, dim]`. */
export function embedding(readRow: RowReader, vocab: number, dim: number, ids: Int32Array, out: Float32Array): void {
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (id < 0 || id >= vocab) throw new RangeError(`token id ${id} is outside the vocabulary [0, ${vocab})`);
    readRow(id, out.subarray(i * dim, (i + 1) * dim));
  }
}

/** RMSNorm per row — x `[m, n]`, weight `[n]`, out `[m, n]`. */
export function rmsNorm(x: Float32Array, weight: Float32Array, eps: number, m: number, n: number, out: Float32Array): void {
  for (let i = 0; i < m; i++) {
    const row = i * n;
    // mean of squares, accumulated in f64 like ggml's ggml_float sum
    let ss = 0;
    for (let j = 0; j < n; j++) ss += x[row + j]! * x[row + j]!;
    const scale = 1 / Math.sqrt(ss / n + eps);
    for (let j = 0; j < n; j++) out[row + j] = x[row + j]! * scale * weight[j]!;
  }
}

/**
 * out = x · wᵀ — x `[m, k]`, w `[n, k]` read row by row, out `[m, n]`.
 * Each x row first goes through the activation conversion llama.cpp applies for this weight type.
 */
export function matmul(x: Float32Array, readRow: RowReader, activation: ActivationType, m: number, k: number, n: number, out: Float32Array): void {
  const xq = new Float32Array(x.subarray(0, m * k));
  for (let i = 0; i < m; i++) roundTripActivation(xq.subarray(i * k, (i + 1) * k), activation);
  const wRow = new Float32Array(k);
  for (let j = 0; j < n; j++) {
    readRow(j, wRow);
    for (let i = 0; i < m; i++) {
      let acc = 0;
      const xi = i * k;
      for (let t = 0; t < k; t++) acc += xq[xi + t]! * wRow[t]!;
      out[i * n + j] = acc;
    }
  }
}

/**
 * Rotary embedding — x `[m, heads, headDim]`, positions `[m]`.
 * 'adjacent' rotates (2i, 2i+1); 'half' rotates (i, i + headDim/2). Angle = pos * theta^(-2i/headDim).
 */
export function rope(x: Float32Array, positions: Int32Array, theta: number, mode: 'adjacent' | 'half', m: number, heads: number, headDim: number, out: Float32Array): void {
  const halfDim = headDim / 2;
  // the angles depend on the position and pair only: computed once per token, shared by its heads
  const cos = new Float64Array(halfDim);
  const sin = new Float64Array(halfDim);
  for (let t = 0; t < m; t++) {
    const pos = positions[t]!;
    for (let i = 0; i < halfDim; i++) {
      const angle = pos * Math.pow(theta, (-2 * i) / headDim);
      cos[i] = Math.cos(angle);
      sin[i] = Math.sin(angle);
    }
    for (let h = 0; h < heads; h++) {
      const base = (t * heads + h) * headDim;
      for (let i = 0; i < halfDim; i++) {
        const a = mode === 'adjacent' ? base + 2 * i : base + i;
        const b = mode === 'adjacent' ? a + 1 : a + halfDim;
        const x0 = x[a]!;
        const x1 = x[b]!;
        out[a] = x0 * cos[i]! - x1 * sin[i]!;
        out[b] = x0 * sin[i]! + x1 * cos[i]!;
      }
    }
  }
}

/**
 * Causal grouped-query attention over an f32 cache — q `[m, nHead, hd]`, k/v `[ctx, nKv, hd]`,
 * positions `[m]`, out `[m, nHead*hd]`. Query t attends to cache rows 0..positions[t];
 * head h reads kv head h / (nHead/nKv). Plain softmax, accumulated in f64.
 */
export function attention(q: Float32Array, k: Float32Array, v: Float32Array, positions: Int32Array, scale: number, m: number, nHead: number, nKv: number, hd: number, ctx: number, out: Float32Array): void {
  const group = nHead / nKv;
  for (let t = 0; t < m; t++) {
    const last = checkPosition(positions[t]!, ctx);
    const scores = new Float64Array(last + 1);
    for (let h = 0; h < nHead; h++) {
      const qo = (t * nHead + h) * hd;
      const kvh = Math.floor(h / group);
      // scores = q · k * scale, then softmax
      let max = -Infinity;
      for (let p = 0; p <= last; p++) {
        const ko = (p * nKv + kvh) * hd;
        let s = 0;
        for (let i = 0; i < hd; i++) s += q[qo + i]! * k[ko + i]!;
        scores[p] = s * scale;
        if (scores[p]! > max) max = scores[p]!;
      }
      let sum = 0;
      for (let p = 0; p <= last; p++) {
        scores[p] = Math.exp(scores[p]! - max);
        sum += scores[p]!;
      }
      // out = Σ softmax · v
      const oo = t * nHead * hd + h * hd;
      for (let i = 0; i < hd; i++) {
        let acc = 0;
        for (let p = 0; p <= last; p++) acc += scores[p]! * v[(p * nKv + kvh) * hd + i]!;
        out[oo + i] = acc / sum;
      }
    }
  }
}

/**
 * Attention over an f16 cache, computed as llama.cpp's CPU flash attention
 * does (ggml_compute_forward_flash_attn_ext_f16), so results match its
 * rounding: q is rounded to f16 for the q·k dot, softmax is online with a
 * running max, and the weighted sum of V is kept in an f16 accumulator.
 * k/v hold f16 bits; shapes as {@link attention}.
 */
export function attentionF16Cache(q: Float32Array, k: Uint16Array, v: Uint16Array, positions: Int32Array, scale: number, m: number, nHead: number, nKv: number, hd: number, ctx: number, out: Float32Array): void {
  const group = nHead / nKv;
  const q16 = new Float32Array(hd);
  const acc = new Float32Array(hd); // values always representable in f16
  for (let t = 0; t < m; t++) {
    const last = checkPosition(positions[t]!, ctx);
    for (let h = 0; h < nHead; h++) {
      const qo = (t * nHead + h) * hd;
      const kvh = Math.floor(h / group);
      for (let i = 0; i < hd; i++) q16[i] = toF16(q[qo + i]!);
      let sum = 0; // S: softmax denominator so far
      let max = -Infinity; // M: running max score
      acc.fill(0);
      for (let p = 0; p <= last; p++) {
        const ko = (p * nKv + kvh) * hd;
        let dot = 0;
        for (let i = 0; i < hd; i++) dot += q16[i]! * F16_VALUES[k[ko + i]!]!;
        const s = f32(f32(dot) * scale);
        // a new max rescales what was accumulated; otherwise this row gets weight e^(s - M)
        let rescale = 1;
        let weight = 1;
        if (s > max) {
          rescale = max === -Infinity ? 0 : f32(Math.exp(max - s));
          max = s;
          for (let i = 0; i < hd; i++) acc[i] = toF16(acc[i]! * rescale);
        } else {
          weight = f32(Math.exp(s - max));
        }
        for (let i = 0; i < hd; i++) acc[i] = toF16(acc[i]! + F16_VALUES[v[ko + i]!]! * weight);
        sum = f32(sum * rescale + weight);
      }
      const inv = f32(1 / sum);
      const oo = t * nHead * hd + h * hd;
      for (let i = 0; i < hd; i++) out[oo + i] = acc[i]! * inv;
    }
  }
}

function checkPosition(pos: number, ctx: number): number {
  if (pos < 0 || pos >= ctx) throw new RangeError(`position ${pos} is outside the cache [0, ${ctx})`);
  return pos;
}

/** out = silu(gate) * up, elementwise. */
export function swiglu(gate: Float32Array, up: Float32Array, out: Float32Array): void {
  for (let i = 0; i < gate.length; i++) {
    const g = gate[i]!;
    out[i] = (g / (1 + Math.exp(-g))) * up[i]!;
  }
}

/** out = a + b, elementwise. */
export function add(a: Float32Array, b: Float32Array, out: Float32Array): void {
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!;
}

/** dst[rows[i], :] = src[i, :] — src `[m, w]`, dst `[r, w]` (f32, or f16 bits: rounded to nearest even). */
export function copyRows(src: Float32Array, dst: Float32Array | Uint16Array, rows: Int32Array, width: number, dstRows: number): void {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r < 0 || r >= dstRows) throw new RangeError(`row ${r} is outside the destination [0, ${dstRows})`);
    const row = src.subarray(i * width, (i + 1) * width);
    if (dst instanceof Float32Array) dst.set(row, r * width);
    else for (let j = 0; j < width; j++) dst[r * width + j] = f32ToF16(row[j]!);
  }
}

/** out[i] = index of the largest x[i, :] (first on ties) — x `[m, n]`, out `[m]`. */
export function argmax(x: Float32Array, m: number, n: number, out: Int32Array): void {
  for (let i = 0; i < m; i++) {
    let best = 0;
    for (let j = 1; j < n; j++) if (x[i * n + j]! > x[i * n + best]!) best = j;
    out[i] = best;
  }
}
