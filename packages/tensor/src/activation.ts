import type { DType } from '@llamita/core';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, fround } from './half.js';
import { Scratch } from './scratch.js';

/** Rounds to nearest, ties to even: what llama.cpp's SIMD quantizers and `nearest_int` do. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** llama.cpp's activation type for each weight type (`vec_dot_type` in ggml-cpu). */
export type ActivationType = 'f32' | 'f16' | 'bf16' | 'q8_0' | 'q8_1' | 'q8_k';

/** The type llama.cpp's CPU backend converts activations to before a dot product with `weight`. */
export function activationTypeFor(weight: DType): ActivationType {
  switch (weight) {
    case 'f16':
      return 'f16';
    case 'bf16':
      return 'bf16';
    case 'q4_0':
    case 'q5_0':
    case 'q8_0':
      return 'q8_0';
    case 'q4_1':
    case 'q5_1':
      return 'q8_1';
    case 'q2_k':
    case 'q3_k':
    case 'q4_k':
    case 'q5_k':
    case 'q6_k':
      return 'q8_k';
    default:
      return 'f32';
  }
}

/**
 * Quantizes an activation row to Q8_0 blocks of 32 as llama.cpp's
 * quantize_row_q8_0 (AVX2): `d = amax / 127` stored as f16, quants
 * `round(x * 127 / amax)` to nearest even. Writes quants to `qs` and the
 * f16-rounded scales to `ds` (one per block). `row.length` must be a multiple of 32.
 */
export function quantizeRowQ8_0(row: Float32Array, qs: Int8Array, ds: Float32Array): void {
  for (let b = 0, start = 0; start < row.length; b++, start += 32) {
    let amax = 0;
    for (let i = start; i < start + 32; i++) amax = Math.max(amax, Math.abs(row[i]!));
    const d = fround(amax / 127);
    const id = d !== 0 ? fround(127 / amax) : 0;
    ds[b] = f16ToF32(f32ToF16(d));
    for (let i = start; i < start + 32; i++) qs[i] = roundHalfEven(fround(row[i]! * id));
  }
}

/** The round trips' quants and scales, reused from row to row. */
const QUANTS = new Scratch((n) => new Int8Array(n));
const SCALES = new Scratch((n) => new Float32Array(n));

/** Q8_0 (and Q8_1, whose quants and scale are the same) in place: values become `d * q`. */
function roundTripQ8Row(x: Float32Array): void {
  const qs = QUANTS.take(x.length);
  const ds = SCALES.take(x.length / 32);
  quantizeRowQ8_0(x, qs, ds);
  for (let i = 0; i < x.length; i++) x[i] = qs[i]! * ds[i >> 5]!;
}

/**
 * Quantizes an activation row to Q8_K blocks of 256 as llama.cpp's
 * quantize_row_q8_K_ref: `iscale = -127 / max` by the signed extreme, quants
 * `min(127, round(iscale * x))` to nearest even, `d = 1 / iscale` (f32).
 * Writes quants to `qs` and one scale per block to `ds`; an all-zero block gets d = 0.
 */
export function quantizeRowQ8K(row: Float32Array, qs: Int8Array, ds: Float32Array): void {
  for (let b = 0, start = 0; start < row.length; b++, start += 256) {
    let amax = 0;
    let max = 0;
    for (let i = start; i < start + 256; i++) {
      const a = Math.abs(row[i]!);
      if (a > amax) {
        amax = a;
        max = row[i]!;
      }
    }
    if (amax === 0) {
      qs.fill(0, start, start + 256);
      ds[b] = 0;
      continue;
    }
    const iscale = fround(-127 / max);
    ds[b] = fround(1 / iscale);
    for (let i = start; i < start + 256; i++) qs[i] = Math.min(127, roundHalfEven(fround(iscale * row[i]!)));
  }
}

/** Q8_K in place: values become `d * q`. */
function roundTripQ8KRow(x: Float32Array): void {
  const qs = QUANTS.take(x.length);
  const ds = SCALES.take(x.length / 256);
  quantizeRowQ8K(x, qs, ds);
  for (let i = 0; i < x.length; i++) x[i] = qs[i]! * ds[i >> 8]!;
}

/**
 * Replaces each value of `row` by what llama.cpp's dot product actually sees
 * after converting the activation row to `type` (rounding to f16/bf16, or
 * quantizing to 8-bit blocks). Multiplying the result by dequantized weights
 * reproduces llama.cpp's integer dot products up to float summation order.
 * `row.length` must be a multiple of the block size (32, or 256 for q8_k).
 */
export function roundTripActivation(row: Float32Array, type: ActivationType): void {
  switch (type) {
    case 'f32':
      return;
    case 'f16':
      for (let i = 0; i < row.length; i++) row[i] = f16ToF32(f32ToF16(row[i]!));
      return;
    case 'bf16':
      for (let i = 0; i < row.length; i++) row[i] = bf16ToF32(f32ToBf16(row[i]!));
      return;
    case 'q8_0':
    case 'q8_1':
      roundTripQ8Row(row);
      return;
    case 'q8_k':
      roundTripQ8KRow(row);
      return;
  }
}
