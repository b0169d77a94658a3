import { LlamitaError } from '@llamita/core';
import { StreamDecoder } from './stream-decoder.js';

/** Input longer than this many UTF-16 units is refused, so a runaway input fails fast. */
export const MAX_INPUT_LENGTH = 1 << 28;

/**
 * What every tokenizer has: its pieces by id, ids by piece text (the first id
 * of a repeated text wins, as in llama.cpp), and decoding from each piece's bytes.
 */
export abstract class PieceTable {
  /** The bytes each token stands for in decoded text (empty for control tokens), set by the tokenizer. */
  protected abstract readonly pieceBytes: readonly Uint8Array[];
  /** Whether a space that starts decoded text is SentencePiece's dummy prefix, to drop. */
  abstract readonly dropsLeadingSpace: boolean;

  /** Id of each piece text (the first id of a repeated text). */
  protected readonly ids = new Map<string, number>();

  /** @param pieceTexts - the vocabulary's pieces by id */
  constructor(private readonly pieceTexts: readonly string[]) {
    pieceTexts.forEach((piece, id) => {
      if (!this.ids.has(piece)) this.ids.set(piece, id);
    });
  }

  /** Vocabulary size. */
  get size(): number {
    return this.pieceTexts.length;
  }

  /** Id of a piece text, if it is in the vocabulary. */
  tokenId(piece: string): number | undefined {
    return this.ids.get(piece);
  }

  /** Piece text of an id, as the vocabulary writes it. */
  piece(id: number): string {
    const p = this.pieceTexts[id];
    if (p === undefined) throw new LlamitaError('E_INVALID_ARGUMENT', `token id ${id} is outside the vocabulary [0, ${this.size})`);
    return p;
  }

  /** @throws LlamitaError `E_INVALID_ARGUMENT` for input longer than {@link MAX_INPUT_LENGTH}. */
  protected checkLength(text: string): void {
    if (text.length > MAX_INPUT_LENGTH) throw new LlamitaError('E_INVALID_ARGUMENT', `input of ${text.length} characters is longer than ${MAX_INPUT_LENGTH}`);
  }

  /** The bytes a token stands for in decoded text (empty for control tokens). */
  tokenBytes(id: number): Uint8Array {
    const b = this.pieceBytes[id];
    if (b === undefined) throw new LlamitaError('E_INVALID_ARGUMENT', `token id ${id} is outside the vocabulary [0, ${this.size})`);
    return b;
  }

  /**
   * Token ids to text; bytes that are not valid UTF-8 become U+FFFD. A
   * SentencePiece dummy-prefix space at the start is removed, as
   * SentencePiece does.
   */
  decode(ids: readonly number[]): string {
    const decoder = this.createStreamDecoder();
    return ids.map((id) => decoder.push(id)).join('') + decoder.flush();
  }

  /** A decoder for one token at a time; see {@link StreamDecoder}. */
  createStreamDecoder(): StreamDecoder {
    return new StreamDecoder(this);
  }
}
