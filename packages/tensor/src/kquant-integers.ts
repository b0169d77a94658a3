import { LlamitaError } from '@llamita/core';
import { scaleMinK4 } from './dequantize.js';
import { dataViewOf } from './data-view.js';
import { f16ToF32 } from './half.js';

/** The k-quant types {@link decodeKQuantIntegers} reads. */
export type KQuantIntegerType = 'q4_k' | 'q5_k' | 'q6_k';

/**
 * One 256-element k-quant block as the integers llama.cpp's x86 dot products
 * work on, in element order: element e is `d · scales[s] · q[e] − dmin · mins[s]`
 * (Q6_K: `d · scales[s] · (q[e] − 32)`), s its sub-block.
 */
export interface KQuantIntegers {
  /** Super-block scale. */
  d: number;
  /** Super-block scale of the mins (Q6_K: 0). */
  dmin: number;
  /** Sub-block scales: 8 of 32 elements (Q4_K, Q5_K), or 16 signed ones of 16 elements (Q6_K). */
  readonly scales: Int32Array;
  /** Sub-block mins, 8 (Q4_K, Q5_K; unused for Q6_K). */
  readonly mins: Int32Array;
  /** 256 unsigned quants: Q4_K 0..15, Q5_K 0..31, Q6_K 0..63. */
  readonly q: Uint8Array;
}

/** Room for one decoded block. */
export function kQuantIntegers(): KQuantIntegers {
  return { d: 0, dmin: 0, scales: new Int32Array(16), mins: new Int32Array(8), q: new Uint8Array(256) };
}

/** Bytes of one block of each type (ggml-common.h). */
export const KQUANT_BLOCK_BYTES: Readonly<Record<KQuantIntegerType, number>> = { q4_k: 144, q5_k: 176, q6_k: 210 };

/** Decodes the block of `type` at `b[p]` into `out`. */
export function decodeKQuantIntegers(type: KQuantIntegerType, b: Uint8Array, p: number, out: KQuantIntegers): void {
  if (p < 0 || p + KQUANT_BLOCK_BYTES[type] > b.length) throw new LlamitaError('E_INVALID_ARGUMENT', `${type} block at byte ${p} runs past the ${b.length}-byte buffer`);
  const dv = dataViewOf(b);
  const { q } = out;
  if (type === 'q6_k') {
    // ql[128] low 4 bits | qh[64] high 2 bits | scales[16] int8 | d f16
    out.d = f16ToF32(dv.getUint16(p + 208, true));
    out.dmin = 0;
    for (let s = 0; s < 16; s++) out.scales[s] = dv.getInt8(p + 192 + s);
    for (let n = 0; n < 2; n++) {
      const ql = p + n * 64;
      const qh = p + 128 + n * 32;
      for (let l = 0; l < 32; l++) {
        const h = b[qh + l]!;
        q[n * 128 + l] = (b[ql + l]! & 0xf) | ((h & 3) << 4);
        q[n * 128 + l + 32] = (b[ql + l + 32]! & 0xf) | (((h >> 2) & 3) << 4);
        q[n * 128 + l + 64] = (b[ql + l]! >> 4) | (((h >> 4) & 3) << 4);
        q[n * 128 + l + 96] = (b[ql + l + 32]! >> 4) | (((h >> 6) & 3) << 4);
      }
    }
    return;
  }
  // d f16 | dmin f16 | scales[12] | (Q5_K: qh[32]) | qs[128]: chunk j of 64 = low nibbles, then high nibbles
  out.d = f16ToF32(dv.getUint16(p, true));
  out.dmin = f16ToF32(dv.getUint16(p + 2, true));
  for (let s = 0; s < 8; s++) [out.scales[s], out.mins[s]] = scaleMinK4(b, p + 4, s);
  const qs = p + (type === 'q5_k' ? 48 : 16);
  for (let j = 0; j < 4; j++) {
    for (let l = 0; l < 32; l++) {
      const byte = b[qs + j * 32 + l]!;
      q[64 * j + l] = byte & 0xf;
      q[64 * j + 32 + l] = byte >> 4;
    }
  }
  if (type === 'q5_k') {
    for (let j = 0; j < 4; j++) {
      for (let l = 0; l < 32; l++) {
        const h = b[p + 16 + l]!;
        q[64 * j + l] = q[64 * j + l]! + ((h >> (2 * j)) & 1) * 16;
        q[64 * j + 32 + l] = q[64 * j + 32 + l]! + ((h >> (2 * j + 1)) & 1) * 16;
      }
    }
  }
}
