/** SentencePiece token types, as in GGUF `tokenizer.ggml.token_type` and llama.cpp. */
export const TokenType = {
  Normal: 1,
  Unknown: 2,
  Control: 3,
  UserDefined: 4,
  Unused: 5,
  Byte: 6,
} as const;

/** A SentencePiece BPE vocabulary, whatever file it came from. */
export interface SpmVocab {
  /** Piece text of each id, with `▁` (U+2581) for spaces. */
  readonly pieces: readonly string[];
  /** Merge priority of each id (higher merges first). */
  readonly scores: ArrayLike<number>;
  /** {@link TokenType} of each id. */
  readonly types: ArrayLike<number>;
  /** Beginning-of-sequence id. */
  readonly bos: number;
  /** End-of-sequence id. */
  readonly eos: number;
  /** Unknown-piece id. */
  readonly unk: number;
  /** Whether encode adds BOS by default. */
  readonly addBos: boolean;
  /** Whether encode adds EOS by default. */
  readonly addEos: boolean;
  /** Whether raw text gets a leading space (SentencePiece's dummy prefix). */
  readonly addSpacePrefix: boolean;
}
