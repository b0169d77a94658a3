import { DTYPE_INFO, LlamitaError, type DType } from '@llamita/core';
import { bf16ToF32, f16ToF32 } from './half.js';
import { dataViewOf } from './data-view.js';

/**
 * Decodes one block of a GGUF block type into `out` at `o`.
 * `b` holds the file's bytes; the block starts at `p`. Layouts follow ggml-common.h.
 */
type BlockDecoder = (b: Uint8Array, dv: DataView, p: number, out: Float32Array, o: number) => void;

const half = (dv: DataView, p: number): number => f16ToF32(dv.getUint16(p, true));

// q4_0: d f16 | qs[16]; low nibbles are elements 0..15, high nibbles 16..31, offset 8.
const q4_0: BlockDecoder = (b, dv, p, out, o) => {
  const d = half(dv, p);
  for (let j = 0; j < 16; j++) {
    const q = b[p + 2 + j]!;
    out[o + j] = ((q & 0xf) - 8) * d;
    out[o + j + 16] = ((q >> 4) - 8) * d;
  }
};

// q4_1: d f16 | m f16 | qs[16]; value = q*d + m.
const q4_1: BlockDecoder = (b, dv, p, out, o) => {
  const d = half(dv, p);
  const m = half(dv, p + 2);
  for (let j = 0; j < 16; j++) {
    const q = b[p + 4 + j]!;
    out[o + j] = (q & 0xf) * d + m;
    out[o + j + 16] = (q >> 4) * d + m;
  }
};

// q5_0: d f16 | qh u32 (5th bits) | qs[16]; offset 16.
const q5_0: BlockDecoder = (b, dv, p, out, o) => {
  const d = half(dv, p);
  const qh = dv.getUint32(p + 2, true);
  for (let j = 0; j < 16; j++) {
    const q = b[p + 6 + j]!;
    const h0 = ((qh >>> j) << 4) & 0x10;
    const h1 = (qh >>> (j + 12)) & 0x10;
    out[o + j] = (((q & 0xf) | h0) - 16) * d;
    out[o + j + 16] = (((q >> 4) | h1) - 16) * d;
  }
};

// q5_1: d f16 | m f16 | qh u32 | qs[16]; value = q*d + m.
const q5_1: BlockDecoder = (b, dv, p, out, o) => {
  const d = half(dv, p);
  const m = half(dv, p + 2);
  const qh = dv.getUint32(p + 4, true);
  for (let j = 0; j < 16; j++) {
    const q = b[p + 8 + j]!;
    const h0 = ((qh >>> j) << 4) & 0x10;
    const h1 = (qh >>> (j + 12)) & 0x10;
    out[o + j] = ((q & 0xf) | h0) * d + m;
    out[o + j + 16] = ((q >> 4) | h1) * d + m;
  }
};

// q8_0: d f16 | qs[32] int8.
const q8_0: BlockDecoder = (b, dv, p, out, o) => {
  const d = half(dv, p);
  for (let j = 0; j < 32; j++) out[o + j] = dv.getInt8(p + 2 + j) * d;
};

// q2_k: scales[16] (4-bit scale | 4-bit min) | qs[64] (2 bits each) | d f16 | dmin f16.
const q2_k: BlockDecoder = (b, dv, p, out, o) => {
  const d = half(dv, p + 80);
  const dmin = half(dv, p + 82);
  let is = 0;
  let y = o;
  for (let n = 0; n < 2; n++) {
    const q = p + 16 + n * 32;
    for (let shift = 0; shift < 8; shift += 2) {
      for (let half16 = 0; half16 < 2; half16++) {
        const sc = b[p + is++]!;
        const dl = d * (sc & 0xf);
        const ml = dmin * (sc >> 4);
        for (let l = 0; l < 16; l++) out[y++] = dl * ((b[q + half16 * 16 + l]! >> shift) & 3) - ml;
      }
    }
  }
};

/** Unpacks q3_k's twelve bytes of 6-bit scales into sixteen signed scales (ggml's kmask shuffle). */
function unpackQ3Scales(dv: DataView, p: number, scales: Int8Array): void {
  const kmask1 = 0x03030303;
  const kmask2 = 0x0f0f0f0f;
  const a0 = dv.getUint32(p, true);
  const a1 = dv.getUint32(p + 4, true);
  const tmp = dv.getUint32(p + 8, true);
  const words = new Uint32Array(scales.buffer, scales.byteOffset, 4);
  words[0] = (a0 & kmask2) | (((tmp >>> 0) & kmask1) << 4);
  words[1] = (a1 & kmask2) | (((tmp >>> 2) & kmask1) << 4);
  words[2] = ((a0 >>> 4) & kmask2) | (((tmp >>> 4) & kmask1) << 4);
  words[3] = ((a1 >>> 4) & kmask2) | (((tmp >>> 6) & kmask1) << 4);
}
const q3Scales = new Int8Array(16);

// q3_k: hmask[32] | qs[64] (low 2 bits) | scales[12] (6-bit) | d f16.
const q3_k: BlockDecoder = (b, dv, p, out, o) => {
  const d = half(dv, p + 108);
  unpackQ3Scales(dv, p + 96, q3Scales);
  let is = 0;
  let y = o;
  let m = 1;
  for (let n = 0; n < 2; n++) {
    const q = p + 32 + n * 32;
    for (let shift = 0; shift < 8; shift += 2) {
      for (let half16 = 0; half16 < 2; half16++) {
        const dl = d * (q3Scales[is++]! - 32);
        for (let l = 0; l < 16; l++) {
          const i = half16 * 16 + l;
          const low = (b[q + i]! >> shift) & 3;
          out[y++] = dl * (low - (b[p + i]! & m ? 0 : 4));
        }
      }
      m <<= 1;
    }
  }
};

/** Scale and min of sub-block j from the 12 packed bytes at `s` (ggml's get_scale_min_k4). */
export function scaleMinK4(b: Uint8Array, s: number, j: number): [number, number] {
  if (j < 4) return [b[s + j]! & 63, b[s + j + 4]! & 63];
  return [(b[s + j + 4]! & 0xf) | ((b[s + j - 4]! >> 6) << 4), (b[s + j + 4]! >> 4) | ((b[s + j]! >> 6) << 4)];
}

// q4_k: d f16 | dmin f16 | scales[12] | qs[128]; 8 sub-blocks of 32.
const q4_k: BlockDecoder = (b, dv, p, out, o) => {
  const d = half(dv, p);
  const dmin = half(dv, p + 2);
  let y = o;
  for (let j = 0, is = 0; j < 4; j++, is += 2) {
    const q = p + 16 + j * 32;
    const [sc1, m1] = scaleMinK4(b, p + 4, is);
    const [sc2, m2] = scaleMinK4(b, p + 4, is + 1);
    for (let l = 0; l < 32; l++) out[y++] = d * sc1 * (b[q + l]! & 0xf) - dmin * m1;
    for (let l = 0; l < 32; l++) out[y++] = d * sc2 * (b[q + l]! >> 4) - dmin * m2;
  }
};

// q5_k: d f16 | dmin f16 | scales[12] | qh[32] | qs[128].
const q5_k: BlockDecoder = (b, dv, p, out, o) => {
  const d = half(dv, p);
  const dmin = half(dv, p + 2);
  const qh = p + 16;
  let y = o;
  let u1 = 1;
  let u2 = 2;
  for (let j = 0, is = 0; j < 4; j++, is += 2) {
    const q = p + 48 + j * 32;
    const [sc1, m1] = scaleMinK4(b, p + 4, is);
    const [sc2, m2] = scaleMinK4(b, p + 4, is + 1);
    for (let l = 0; l < 32; l++) out[y++] = d * sc1 * ((b[q + l]! & 0xf) + (b[qh + l]! & u1 ? 16 : 0)) - dmin * m1;
    for (let l = 0; l < 32; l++) out[y++] = d * sc2 * ((b[q + l]! >> 4) + (b[qh + l]! & u2 ? 16 : 0)) - dmin * m2;
    u1 <<= 2;
    u2 <<= 2;
  }
};

// q6_k: ql[128] (low 4 bits) | qh[64] (high 2 bits) | scales[16] int8 | d f16.
const q6_k: BlockDecoder = (b, dv, p, out, o) => {
  const d = half(dv, p + 208);
  for (let n = 0; n < 2; n++) {
    const ql = p + n * 64;
    const qh = p + 128 + n * 32;
    const sc = p + 192 + n * 8;
    const y = o + n * 128;
    for (let l = 0; l < 32; l++) {
      const is = l >> 4;
      const h = b[qh + l]!;
      const q1 = ((b[ql + l]! & 0xf) | ((h & 3) << 4)) - 32;
      const q2 = ((b[ql + l + 32]! & 0xf) | (((h >> 2) & 3) << 4)) - 32;
      const q3 = ((b[ql + l]! >> 4) | (((h >> 4) & 3) << 4)) - 32;
      const q4 = ((b[ql + l + 32]! >> 4) | (((h >> 6) & 3) << 4)) - 32;
      out[y + l] = d * dv.getInt8(sc + is) * q1;
      out[y + l + 32] = d * dv.getInt8(sc + is + 2) * q2;
      out[y + l + 64] = d * dv.getInt8(sc + is + 4) * q3;
      out[y + l + 96] = d * dv.getInt8(sc + is + 6) * q4;
    }
  }
};

const ELEMENT_DECODERS: Partial<Record<DType, BlockDecoder>> = {
  f32: (_b, dv, p, out, o) => void (out[o] = dv.getFloat32(p, true)),
  f16: (_b, dv, p, out, o) => void (out[o] = half(dv, p)),
  bf16: (_b, dv, p, out, o) => void (out[o] = bf16ToF32(dv.getUint16(p, true))),
};

const BLOCK_DECODERS: Partial<Record<DType, BlockDecoder>> = {
  ...ELEMENT_DECODERS,
  q4_0,
  q4_1,
  q5_0,
  q5_1,
  q8_0,
  q2_k,
  q3_k,
  q4_k,
  q5_k,
  q6_k,
};

/**
 * Decodes `count` elements of `dtype` stored in `bytes` (starting at byte
 * `byteOffset`) to f32, into `out` starting at `outOffset`. `count` must be a
 * multiple of the block size.
 * @throws LlamitaError `E_DTYPE` for i32, `E_SHAPE` for a partial block, `E_OUT_OF_BOUNDS` when the bytes run out.
 */
export function dequantize(dtype: DType, bytes: Uint8Array, byteOffset: number, count: number, out: Float32Array, outOffset = 0): void {
  const decode = BLOCK_DECODERS[dtype];
  if (!decode) throw new LlamitaError('E_DTYPE', `cannot dequantize ${dtype}`);
  const { blockSize, blockBytes } = DTYPE_INFO[dtype];
  if (count % blockSize !== 0) throw new LlamitaError('E_SHAPE', `${count} elements is not a whole number of ${dtype} blocks`);
  const blocks = count / blockSize;
  if (byteOffset + blocks * blockBytes > bytes.byteLength || outOffset + count > out.length) {
    throw new LlamitaError('E_OUT_OF_BOUNDS', `dequantizing ${count} ${dtype} elements at byte ${byteOffset} runs past the data`);
  }
  const dv = dataViewOf(bytes);
  for (let i = 0; i < blocks; i++) decode(bytes, dv, byteOffset + i * blockBytes, out, outOffset + i * blockSize);
}

/** Convenience: a fresh Float32Array of `count` decoded elements. */
export function dequantizeToF32(dtype: DType, bytes: Uint8Array, byteOffset: number, count: number): Float32Array {
  const out = new Float32Array(count);
  dequantize(dtype, bytes, byteOffset, count, out, 0);
  return out;
}
