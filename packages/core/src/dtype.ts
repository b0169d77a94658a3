import { LlamitaError } from './errors.js';

/**
 * Element and block types a tensor can hold.
 *
 * `f32`, `f16`, `bf16` and `i32` are plain element types. The others are the
 * GGUF block-quantized types, with llama.cpp's exact bit layouts: a row of
 * such a tensor is a sequence of fixed-size blocks, each covering
 * {@link DTypeInfo.blockSize} elements in {@link DTypeInfo.blockBytes} bytes.
 */
export type DType = 'f32' | 'f16' | 'bf16' | 'i32' | 'q4_0' | 'q4_1' | 'q5_0' | 'q5_1' | 'q8_0' | 'q2_k' | 'q3_k' | 'q4_k' | 'q5_k' | 'q6_k';

/** Storage facts of one {@link DType}. */
export interface DTypeInfo {
  /** Elements per block (1 for plain element types). */
  readonly blockSize: number;
  /** Bytes per block (the element size for plain element types). */
  readonly blockBytes: number;
  /** Whether this is a block-quantized GGUF type. */
  readonly quantized: boolean;
}

const info = (blockSize: number, blockBytes: number): DTypeInfo => ({
  blockSize,
  blockBytes,
  quantized: blockSize > 1,
});

/** Block geometry of every {@link DType}, as defined by ggml (ggml-common.h). */
export const DTYPE_INFO: Readonly<Record<DType, DTypeInfo>> = {
  f32: info(1, 4),
  f16: info(1, 2),
  bf16: info(1, 2),
  i32: info(1, 4),
  q4_0: info(32, 18), // f16 d + 16 bytes of nibbles
  q4_1: info(32, 20), // f16 d, f16 m + 16 bytes
  q5_0: info(32, 22), // f16 d + 4 bytes high bits + 16 bytes
  q5_1: info(32, 24), // f16 d, f16 m + 4 + 16
  q8_0: info(32, 34), // f16 d + 32 int8
  q2_k: info(256, 84), // 16 scales + 64 quants + f16 d + f16 dmin
  q3_k: info(256, 110), // 32 hmask + 64 quants + 12 scales + f16 d
  q4_k: info(256, 144), // f16 d, f16 dmin + 12 scales + 128 quants
  q5_k: info(256, 176), // f16 d, f16 dmin + 12 scales + 32 qh + 128 qs
  q6_k: info(256, 210), // 128 ql + 64 qh + 16 scales + f16 d
};

/** Every {@link DType}, in a stable order. */
export const ALL_DTYPES: readonly DType[] = Object.keys(DTYPE_INFO) as DType[];

/** The dtypes a matmul weight may have (everything but `i32`). */
export const WEIGHT_DTYPES: readonly DType[] = ALL_DTYPES.filter((d) => d !== 'i32');

/**
 * Bytes needed by a row-major tensor of `dtype` and `shape`.
 * For block types the innermost dimension must be a multiple of the block size.
 * @throws {@link LlamitaError} `E_SHAPE` when it is not.
 */
export function byteSize(dtype: DType, shape: readonly number[]): number {
  const { blockSize, blockBytes } = DTYPE_INFO[dtype];
  const inner = shape.length === 0 ? 1 : shape[shape.length - 1]!;
  if (inner % blockSize !== 0) {
    throw new LlamitaError('E_SHAPE', `a ${dtype} tensor's innermost dimension must be a multiple of ${blockSize}, got ${inner}`);
  }
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  return rows * (inner / blockSize) * blockBytes;
}
