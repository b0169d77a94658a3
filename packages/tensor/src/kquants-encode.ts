/**
 * Encoders for the k-quants Q4_K and Q6_K, following llama.cpp's reference
 * quantizers (ggml-quants.c: quantize_row_q4_K_ref with make_qkx2_quants,
 * quantize_row_q6_K_ref with make_qx_quants) step by step in float32
 * arithmetic, so the bytes match what llama.cpp's quantize tool writes without
 * an importance matrix.
 */
import { f16ToF32, f32ToF16 } from './half.js';
import { scaleMinK4 } from './dequantize.js';

const f = Math.fround;
/** Below this a group counts as all zeros (ggml's GROUP_MAX_EPS). */
const GROUP_MAX_EPS = f(1e-15);
const TENTH = f(0.1);

/** ggml's nearest_int: round to nearest, ties to even, via the 1.5 * 2^23 trick in float32. */
function nearestInt(x: number): number {
  return f(f(x) + 12582912) - 12582912;
}

const half = (x: number): number => f16ToF32(f32ToF16(x));

/**
 * make_qkx2_quants: an affine (scale, min) fit of `n` values to levels
 * 0..nmax, searching `nstep` scales around the first guess by weighted error.
 * Writes levels to `L`; returns [scale, -min].
 */
function makeQkx2Quants(n: number, nmax: number, x: Float32Array, weights: Float32Array, L: Uint8Array, laux: Uint8Array, rmin: number, rdelta: number, nstep: number): [number, number] {
  let min = x[0]!;
  let max = x[0]!;
  let sumW = weights[0]!;
  let sumX = f(sumW * x[0]!);
  for (let i = 1; i < n; i++) {
    if (x[i]! < min) min = x[i]!;
    if (x[i]! > max) max = x[i]!;
    const w = weights[i]!;
    sumW = f(sumW + w);
    sumX = f(sumX + f(w * x[i]!));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0, 0, n);
    return [0, -min];
  }
  let iscale = f(nmax / f(max - min));
  let scale = f(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const l = nearestInt(f(iscale * f(x[i]! - min)));
    L[i] = Math.max(0, Math.min(nmax, l));
    const diff = f(f(f(scale * L[i]!) + min) - x[i]!);
    bestError = f(bestError + f(weights[i]! * f(diff * diff)));
  }
  for (let is = 0; is <= nstep; is++) {
    iscale = f(f(f(rmin + f(rdelta * is)) + nmax) / f(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const l = Math.max(0, Math.min(nmax, nearestInt(f(iscale * f(x[i]! - min)))));
      laux[i] = l;
      const w = weights[i]!;
      sumL = f(sumL + f(w * l));
      sumL2 = f(sumL2 + f(f(w * l) * l));
      sumXL = f(sumXL + f(f(w * l) * x[i]!));
    }
    const D = f(f(sumW * sumL2) - f(sumL * sumL));
    if (D > 0) {
      let thisScale = f(f(f(sumW * sumXL) - f(sumX * sumL)) / D);
      let thisMin = f(f(f(sumL2 * sumX) - f(sumL * sumXL)) / D);
      if (thisMin > 0) {
        thisMin = 0;
        thisScale = f(sumXL / sumL2);
      }
      let curError = 0;
      for (let i = 0; i < n; i++) {
        const diff = f(f(f(thisScale * laux[i]!) + thisMin) - x[i]!);
        curError = f(curError + f(weights[i]! * f(diff * diff)));
      }
      if (curError < bestError) {
        L.set(laux.subarray(0, n));
        bestError = curError;
        scale = thisScale;
        min = thisMin;
      }
    }
  }
  return [scale, -min];
}

/** What differs between Q4_K and Q5_K's encoders (quantize_row_q4_K_ref, quantize_row_q5_K_ref). */
const WITH_MINS = {
  q4_k: { nmax: 15, rmin: -1, nstep: 20 },
  q5_k: { nmax: 31, rmin: f(-0.5), nstep: 15 },
} as const;

/**
 * Encodes one Q4_K (144 bytes) or Q5_K (176 bytes) block of 256 values at `s`
 * into `p`: eight sub-blocks of 32 with a 6-bit scale and min each (fit by
 * make_qkx2_quants), d and dmin in f16, then the quants against the stored scales.
 */
function encodeBlockWithMins(type: keyof typeof WITH_MINS, values: Float32Array, s: number, dv: DataView, p: number): void {
  const { nmax, rmin, nstep } = WITH_MINS[type];
  const x = values.subarray(s, s + 256);
  const L = new Uint8Array(256);
  const laux = new Uint8Array(32);
  const weights = new Float32Array(32);
  const scales = new Float32Array(8);
  const mins = new Float32Array(8);
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < 8; j++) {
    const xs = x.subarray(32 * j, 32 * j + 32);
    let sumX2 = 0;
    for (let l = 0; l < 32; l++) sumX2 = f(sumX2 + f(xs[l]! * xs[l]!));
    const avX = f(Math.sqrt(f(sumX2 / 32)));
    for (let l = 0; l < 32; l++) weights[l] = f(avX + Math.abs(xs[l]!));
    const [scale, min] = makeQkx2Quants(32, nmax, xs, weights, L.subarray(32 * j, 32 * j + 32), laux, rmin, TENTH, nstep);
    scales[j] = scale;
    mins[j] = min;
    if (scale > maxScale) maxScale = scale;
    if (min > maxMin) maxMin = min;
  }
  const invScale = maxScale > 0 ? f(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? f(63 / maxMin) : 0;
  const packed = new Uint8Array(12);
  for (let j = 0; j < 8; j++) {
    const ls = Math.min(63, nearestInt(f(invScale * scales[j]!)) & 0xff);
    const lm = Math.min(63, nearestInt(f(invMin * mins[j]!)) & 0xff);
    if (j < 4) {
      packed[j] = ls;
      packed[j + 4] = lm;
    } else {
      packed[j + 4] = (ls & 0xf) | ((lm & 0xf) << 4);
      packed[j - 4]! |= (ls >> 4) << 6;
      packed[j]! |= (lm >> 4) << 6;
    }
  }
  const d = half(f(maxScale / 63));
  const dmin = half(f(maxMin / 63));
  dv.setUint16(p, f32ToF16(f(maxScale / 63)), true);
  dv.setUint16(p + 2, f32ToF16(f(maxMin / 63)), true);
  for (let j = 0; j < 12; j++) dv.setUint8(p + 4 + j, packed[j]!);
  // requantize every value against the stored (rounded) scales
  for (let j = 0; j < 8; j++) {
    const [sc, m] = scaleMinK4(packed, 0, j);
    const dj = f(d * sc);
    if (!dj) continue;
    const dm = f(dmin * m);
    for (let i = 0; i < 32; i++) L[32 * j + i] = Math.max(0, Math.min(nmax, nearestInt(f(f(x[32 * j + i]! + dm) / dj))));
  }
  // chunk c of 64: the low nibbles are elements 64c..64c+31, the high ones the next 32; Q5_K's fifth bits go to qh (bit 2c and 2c+1)
  const qs = p + (type === 'q5_k' ? 48 : 16);
  const qh = new Uint8Array(32);
  for (let c = 0; c < 4; c++) {
    for (let l = 0; l < 32; l++) {
      const lo = L[64 * c + l]!;
      const hi = L[64 * c + 32 + l]!;
      dv.setUint8(qs + 32 * c + l, (lo & 0xf) | ((hi & 0xf) << 4));
      qh[l]! |= ((lo >> 4) << (2 * c)) | ((hi >> 4) << (2 * c + 1));
    }
  }
  if (type === 'q5_k') for (let l = 0; l < 32; l++) dv.setUint8(p + 16 + l, qh[l]!);
}

/** Encodes one Q4_K block (256 values at `s`) into 144 bytes at `p` (quantize_row_q4_K_ref). */
export function encodeQ4KBlock(values: Float32Array, s: number, dv: DataView, p: number): void {
  encodeBlockWithMins('q4_k', values, s, dv, p);
}

/** Encodes one Q5_K block (256 values at `s`) into 176 bytes at `p` (quantize_row_q5_K_ref). */
export function encodeQ5KBlock(values: Float32Array, s: number, dv: DataView, p: number): void {
  encodeBlockWithMins('q5_k', values, s, dv, p);
}

/**
 * make_qx_quants with rmse_type 1 (weights x²): symmetric levels -nmax..nmax-1
 * for `n` values, refined over 18 nearby scales. Writes level + nmax to `L`; returns the scale.
 */
function makeQxQuants(n: number, nmax: number, x: Float32Array, L: Int8Array): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[i]!);
    if (ax > amax) {
      amax = ax;
      max = x[i]!;
    }
  }
  if (amax < GROUP_MAX_EPS) {
    L.fill(0, 0, n);
    return 0;
  }
  const clamp = (l: number) => Math.max(-nmax, Math.min(nmax - 1, l));
  let iscale = f(-nmax / max);
  let sumLX = 0;
  let sumL2 = 0;
  for (let i = 0; i < n; i++) {
    const l = clamp(nearestInt(f(iscale * x[i]!)));
    L[i] = l + nmax;
    const w = f(x[i]! * x[i]!);
    sumLX = f(sumLX + f(f(w * x[i]!) * l));
    sumL2 = f(sumL2 + f(f(w * l) * l));
  }
  let scale = sumL2 ? f(sumLX / sumL2) : 0;
  let best = f(scale * sumLX);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = f(-f(nmax + f(TENTH * is)) / max);
    sumLX = 0;
    sumL2 = 0;
    for (let i = 0; i < n; i++) {
      const l = clamp(nearestInt(f(iscale * x[i]!)));
      const w = f(x[i]! * x[i]!);
      sumLX = f(sumLX + f(f(w * x[i]!) * l));
      sumL2 = f(sumL2 + f(f(w * l) * l));
    }
    if (sumL2 > 0 && f(sumLX * sumLX) > f(best * sumL2)) {
      for (let i = 0; i < n; i++) L[i] = nmax + clamp(nearestInt(f(iscale * x[i]!)));
      scale = f(sumLX / sumL2);
      best = f(scale * sumLX);
    }
  }
  return scale;
}

/** Encodes one Q6_K block (256 values at `s`) into 210 bytes at `p`. */
export function encodeQ6KBlock(values: Float32Array, s: number, dv: DataView, p: number): void {
  const x = values.subarray(s, s + 256);
  const L = new Int8Array(256);
  const scales = new Float32Array(16);
  let maxScale = 0;
  let maxAbsScale = 0;
  for (let ib = 0; ib < 16; ib++) {
    const scale = makeQxQuants(16, 32, x.subarray(16 * ib, 16 * ib + 16), L.subarray(16 * ib, 16 * ib + 16));
    scales[ib] = scale;
    if (Math.abs(scale) > maxAbsScale) {
      maxAbsScale = Math.abs(scale);
      maxScale = scale;
    }
  }
  if (maxAbsScale < GROUP_MAX_EPS) {
    for (let i = 0; i < 210; i++) dv.setUint8(p + i, 0);
    return;
  }
  const iscale = f(-128 / maxScale);
  dv.setUint16(p + 208, f32ToF16(f(1 / iscale)), true);
  const d = half(f(1 / iscale));
  const sc = new Int8Array(16);
  for (let ib = 0; ib < 16; ib++) {
    sc[ib] = Math.min(127, nearestInt(f(iscale * scales[ib]!)));
    dv.setInt8(p + 192 + ib, sc[ib]!);
  }
  for (let j = 0; j < 16; j++) {
    const dj = f(d * sc[j]!);
    if (!dj) continue;
    for (let i = 0; i < 16; i++) L[16 * j + i] = Math.max(-32, Math.min(31, nearestInt(f(x[16 * j + i]! / dj)))) + 32;
  }
  for (let j = 0, ql = p, qh = p + 128; j < 256; j += 128, ql += 64, qh += 32) {
    for (let l = 0; l < 32; l++) {
      const q1 = L[j + l]! & 0xf;
      const q2 = L[j + l + 32]! & 0xf;
      const q3 = L[j + l + 64]! & 0xf;
      const q4 = L[j + l + 96]! & 0xf;
      dv.setUint8(ql + l, q1 | (q3 << 4));
      dv.setUint8(ql + l + 32, q2 | (q4 << 4));
      dv.setUint8(qh + l, (L[j + l]! >> 4) | ((L[j + l + 32]! >> 4) << 2) | ((L[j + l + 64]! >> 4) << 4) | ((L[j + l + 96]! >> 4) << 6));
    }
  }
}
