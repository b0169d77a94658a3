import type { DType } from '@llamita/core';

/** GGUF metadata value types (the spec's `gguf_metadata_value_type`). */
export type GgufValueType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'f32' | 'bool' | 'string' | 'array' | 'u64' | 'i64' | 'f64';

/** Type ids in file order: index = the u32 written in the file. */
export const GGUF_VALUE_TYPES: readonly GgufValueType[] = ['u8', 'i8', 'u16', 'i16', 'u32', 'i32', 'f32', 'bool', 'string', 'array', 'u64', 'i64', 'f64'];

/** A scalar metadata value. 64-bit integers are numbers when safe, bigints otherwise. */
export type GgufScalar = number | bigint | boolean | string;

/** An array value: numeric arrays are typed arrays or plain arrays; nested arrays nest. */
export interface GgufArray {
  /** Type of every item. */
  readonly itemType: GgufValueType;
  /** The items. */
  readonly items: readonly GgufScalar[] | readonly GgufArray[] | Float32Array | Int32Array | Uint32Array;
}

/** A typed metadata value, as stored in the file. */
export interface GgufValue {
  /** Its type in the file. */
  readonly type: GgufValueType;
  /** The value. */
  readonly value: GgufScalar | GgufArray;
}

/** One tensor's entry in the header. */
export interface GgufTensorInfo {
  /** Tensor name, e.g. `blk.0.attn_q.weight`. */
  readonly name: string;
  /** Storage type. */
  readonly dtype: DType;
  /** Shape outermost first (GGUF stores dimensions innermost first; this is reversed). */
  readonly shape: readonly number[];
  /** Offset of the data relative to the data section. */
  readonly offset: number;
  /** Size of the data in bytes. */
  readonly byteLength: number;
}

/** ggml type ids of the dtypes we read (ggml.h `enum ggml_type`). */
export const GGML_TYPE_IDS: Readonly<Partial<Record<DType, number>>> = {
  f32: 0,
  f16: 1,
  q4_0: 2,
  q4_1: 3,
  q5_0: 6,
  q5_1: 7,
  q8_0: 8,
  q2_k: 10,
  q3_k: 11,
  q4_k: 12,
  q5_k: 13,
  q6_k: 14,
  i32: 26,
  bf16: 30,
};

/** Names of the ggml types we know but cannot run, for clear errors. */
export const GGML_TYPE_NAMES: Readonly<Record<number, string>> = {
  9: 'Q8_1',
  15: 'Q8_K',
  16: 'IQ2_XXS',
  17: 'IQ2_XS',
  18: 'IQ3_XXS',
  19: 'IQ1_S',
  20: 'IQ4_NL',
  21: 'IQ3_S',
  22: 'IQ2_S',
  23: 'IQ4_XS',
  24: 'I8',
  25: 'I16',
  27: 'I64',
  28: 'F64',
  29: 'IQ1_M',
  34: 'TQ1_0',
  35: 'TQ2_0',
  39: 'MXFP4',
};

/** The dtype of a ggml type id, or undefined when we cannot run it. */
export function dtypeOfGgmlType(id: number): DType | undefined {
  for (const [dtype, typeId] of Object.entries(GGML_TYPE_IDS)) if (typeId === id) return dtype as DType;
  return undefined;
}
