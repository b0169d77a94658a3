import { DTYPE_INFO, byteSize, type DType } from '@llamita/core';
import { Prng } from '@llamita/sampling';
import { dequantizeToF32, f32ToF16, quantize } from '@llamita/tensor';

/** Byte offsets of the f16 scale fields inside one block of each quantized type (ggml-common.h). */
const SCALE_FIELDS: Partial<Record<DType, readonly number[]>> = {
  q4_0: [0],
  q4_1: [0, 2],
  q5_0: [0],
  q5_1: [0, 2],
  q8_0: [0],
  q2_k: [80, 82],
  q3_k: [108],
  q4_k: [0, 2],
  q5_k: [0, 2],
  q6_k: [208],
};

/** Uniform values in [-1, 1). */
export function randomF32(rng: Prng, count: number, scale = 1): Float32Array {
  return Float32Array.from({ length: count }, () => rng.uniform(-scale, scale));
}

/**
 * Random weight bytes of `dtype` and shape `[rows, cols]`, with the values they decode to.
 * Plain types are encoded from uniform values; block types are random bits with
 * small finite scales, which exercises every bit of the layout.
 */
export function randomWeight(rng: Prng, dtype: DType, rows: number, cols: number): { bytes: Uint8Array; values: Float32Array } {
  if (!DTYPE_INFO[dtype].quantized) {
    const bytes = quantize(dtype, randomF32(rng, rows * cols));
    return { bytes, values: dequantizeToF32(dtype, bytes, 0, rows * cols) };
  }
  const bytes = new Uint8Array(byteSize(dtype, [rows, cols]));
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.nextU32() & 0xff;
  const dv = new DataView(bytes.buffer);
  const { blockBytes } = DTYPE_INFO[dtype];
  for (let b = 0; b < bytes.length; b += blockBytes) {
    for (const f of SCALE_FIELDS[dtype] ?? []) dv.setUint16(b + f, f32ToF16(rng.uniform(0.001, 0.02)), true);
  }
  return { bytes, values: dequantizeToF32(dtype, bytes, 0, rows * cols) };
}
