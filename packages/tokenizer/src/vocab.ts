/** SentencePiece token types, as in GGUF `tokenizer.ggml.token_type` and llama.cpp. */
export const TokenType = {
  /** An ordinary piece of text. */
  Normal: 1,
  /** The unknown-piece token. */
  Unknown: 2,
  /** A control token such as BOS or EOS (decodes to nothing). */
  Control: 3,
  /** A user-defined token, matched in text as a whole. */
  UserDefined: 4,
  /** A reserved, unused id. */
  Unused: 5,
  /** A byte-fallback piece `<0xNN>`. */
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
  /**
   * Merge ranks (`"left right"` → rank, lower merges first), for vocabularies
   * from a Hugging Face `tokenizer.json`. Absent: merges go by piece score, as
   * SentencePiece and GGUF vocabularies do.
   */
  readonly merges?: ReadonlyMap<string, number>;
}
