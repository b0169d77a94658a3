/** Sizes of a synthetic Llama (everything but the vocabulary, which comes from a file). */
export interface SyntheticShape {
  /** Hidden size. */
  readonly dim: number;
  /** Feed-forward size. */
  readonly ffnDim: number;
  /** Transformer blocks. */
  readonly nLayers: number;
  /** Query heads. */
  readonly nHeads: number;
  /** Key/value heads. */
  readonly nKvHeads: number;
  /** Context length written to the metadata. */
  readonly contextLength: number;
}

/**
 * Named shapes for `make-model`. `tinyllama` is TinyLlama-1.1B's; `small` has
 * head size 48 and rows that are not multiples of 256 (k-quant fallbacks);
 * `micro` is for fast tests; `kquant` is small with every row a multiple of
 * 256, so k-quant files keep their k-quant types everywhere.
 */
export const SYNTHETIC_SHAPES: Readonly<Record<SyntheticShapeName, SyntheticShape>> = {
  tinyllama: { dim: 2048, ffnDim: 5632, nLayers: 22, nHeads: 32, nKvHeads: 4, contextLength: 2048 },
  small: { dim: 288, ffnDim: 768, nLayers: 4, nHeads: 6, nKvHeads: 2, contextLength: 512 },
  micro: { dim: 64, ffnDim: 160, nLayers: 2, nHeads: 2, nKvHeads: 1, contextLength: 256 },
  kquant: { dim: 256, ffnDim: 768, nLayers: 2, nHeads: 4, nKvHeads: 2, contextLength: 256 },
};

/** Name of a shape in {@link SYNTHETIC_SHAPES}. */
export type SyntheticShapeName = 'tinyllama' | 'small' | 'micro' | 'kquant';
