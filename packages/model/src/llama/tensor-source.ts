import type { DType } from '@llamita/core';

/** One tensor a checkpoint offers: its GGUF-style name, dtype and shape (outermost first). */
export interface TensorEntry {
  /** Name in llama.cpp's scheme, e.g. `blk.0.attn_q.weight`. */
  readonly name: string;
  /** Storage type. */
  readonly dtype: DType;
  /** Shape, outermost first. */
  readonly shape: readonly number[];
  /** Size in bytes. */
  readonly byteLength: number;
}

/**
 * The tensors of a checkpoint, whatever its format (GGUF, safetensors):
 * names already mapped to llama.cpp's scheme, bytes read on demand.
 */
export interface TensorSource {
  /** Where the tensors come from, for error messages. */
  readonly name: string;
  /** Every tensor, by mapped name. */
  readonly entries: ReadonlyMap<string, TensorEntry>;
  /** The bytes of one tensor, in its `dtype`. */
  read(name: string): Promise<Uint8Array>;
}
