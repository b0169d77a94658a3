import { DTYPE_INFO, LlamitaError, type DType } from '@llamita/core';
import { f32ToBf16, f32ToF16, fround } from './half.js';
import { encodeQ4KBlock, encodeQ5KBlock, encodeQ6KBlock } from './kquants-encode.js';

type BlockEncoder = (x: Float32Array, s: number, dv: DataView, p: number) => void;

/** C's roundf: to nearest, ties away from zero. */
const roundAway = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

// q8_0: d = amax/127 as f16, then roundf(x/d) (quantize_row_q8_0_ref).
const q8_0: BlockEncoder = (x, s, dv, p) => {
  let amax = 0;
  for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[s + j]!));
  const d = fround(amax / 127);
  const id = d ? fround(1 / d) : 0;
  dv.setUint16(p, f32ToF16(d), true);
  for (let j = 0; j < 32; j++) dv.setInt8(p + 2 + j, roundAway(fround(x[s + j]! * id)));
};

/** The value of largest magnitude in a block, with its sign (the first on ties), as ggml's reference quantizers pick it. */
function signedExtreme(x: Float32Array, s: number, n: number): number {
  let amax = 0;
  let max = 0;
  for (let j = 0; j < n; j++) {
    const v = x[s + j]!;
    if (Math.abs(v) > amax) {
      amax = Math.abs(v);
      max = v;
    }
  }
  return max;
}

// q4_0: d = max / -8 by the signed extreme; q = min(15, trunc(x/d + 8.5)) (quantize_row_q4_0_ref).
const q4_0: BlockEncoder = (x, s, dv, p) => {
  const d = fround(signedExtreme(x, s, 32) / -8);
  const id = d ? fround(1 / d) : 0;
  dv.setUint16(p, f32ToF16(d), true);
  for (let j = 0; j < 16; j++) {
    const lo = Math.min(15, Math.trunc(fround(fround(x[s + j]! * id) + 8.5)));
    const hi = Math.min(15, Math.trunc(fround(fround(x[s + j + 16]! * id) + 8.5)));
    dv.setUint8(p + 2 + j, lo | (hi << 4));
  }
};

// q5_0: d = max / -16 by the signed extreme; q = min(31, trunc(x/d + 16.5)), 5th bits in qh (quantize_row_q5_0_ref).
const q5_0: BlockEncoder = (x, s, dv, p) => {
  const d = fround(signedExtreme(x, s, 32) / -16);
  const id = d ? fround(1 / d) : 0;
  dv.setUint16(p, f32ToF16(d), true);
  let qh = 0;
  for (let j = 0; j < 16; j++) {
    const lo = Math.min(31, Math.trunc(fround(fround(x[s + j]! * id) + 16.5)));
    const hi = Math.min(31, Math.trunc(fround(fround(x[s + j + 16]! * id) + 16.5)));
    dv.setUint8(p + 6 + j, (lo & 0xf) | ((hi & 0xf) << 4));
    qh |= ((lo & 0x10) >> 4) << j;
    qh |= ((hi & 0x10) >> 4) << (j + 16);
  }
  dv.setUint32(p + 2, qh >>> 0, true);
};

// q5_1: d = (max - min) / 31, m = min; q = trunc((x - min)/d + 0.5), 5th bits in qh (quantize_row_q5_1_ref).
const q5_1: BlockEncoder = (x, s, dv, p) => {
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < 32; j++) {
    min = Math.min(min, x[s + j]!);
    max = Math.max(max, x[s + j]!);
  }
  const d = fround(fround(max - min) / 31);
  const id = d ? fround(1 / d) : 0;
  dv.setUint16(p, f32ToF16(d), true);
  dv.setUint16(p + 2, f32ToF16(min), true);
  let qh = 0;
  for (let j = 0; j < 16; j++) {
    const lo = Math.trunc(fround(fround(fround(x[s + j]! - min) * id) + 0.5)) & 0xff;
    const hi = Math.trunc(fround(fround(fround(x[s + j + 16]! - min) * id) + 0.5)) & 0xff;
    dv.setUint8(p + 8 + j, (lo & 0xf) | ((hi & 0xf) << 4));
    qh |= ((lo & 0x10) >> 4) << j;
    qh |= ((hi & 0x10) >> 4) << (j + 16);
  }
  dv.setUint32(p + 4, qh >>> 0, true);
};

const ENCODERS: Partial<Record<DType, BlockEncoder>> = {
  f32: (x, s, dv, p) => dv.setFloat32(p, x[s]!, true),
  f16: (x, s, dv, p) => dv.setUint16(p, f32ToF16(x[s]!), true),
  bf16: (x, s, dv, p) => dv.setUint16(p, f32ToBf16(x[s]!), true),
  q8_0,
  q4_0,
  q5_0,
  q5_1,
  q4_k: encodeQ4KBlock,
  q5_k: encodeQ5KBlock,
  q6_k: encodeQ6KBlock,
};

/** The dtypes {@link quantize} can write. */
export const QUANTIZABLE_DTYPES: readonly DType[] = Object.keys(ENCODERS) as DType[];

/**
 * Encodes f32 values into `dtype`'s storage with llama.cpp's reference
 * quantizers. `values.length` must be a multiple of the block size.
 * @throws LlamitaError `E_DTYPE` for a type without an encoder, `E_SHAPE` for a partial block.
 */
export function quantize(dtype: DType, values: Float32Array): Uint8Array {
  const encode = ENCODERS[dtype];
  if (!encode) throw new LlamitaError('E_DTYPE', `cannot quantize to ${dtype} (supported: ${QUANTIZABLE_DTYPES.join(', ')})`);
  const { blockSize, blockBytes } = DTYPE_INFO[dtype];
  if (values.length % blockSize !== 0) throw new LlamitaError('E_SHAPE', `${values.length} values is not a whole number of ${dtype} blocks`);
  const out = new Uint8Array((values.length / blockSize) * blockBytes);
  const dv = new DataView(out.buffer);
  for (let b = 0; b * blockSize < values.length; b++) encode(values, b * blockSize, dv, b * blockBytes);
  return out;
}
