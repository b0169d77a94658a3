/** What {@link StreamDecoder} needs of a tokenizer: each token's bytes, and whether text starts with a dummy-prefix space to drop. */
export interface DecodableTokenizer {
  /** The bytes a token stands for in decoded text. */
  tokenBytes(id: number): Uint8Array;
  /** Whether a space that starts the decoded text is SentencePiece's dummy prefix, to drop. */
  readonly dropsLeadingSpace: boolean;
}

/**
 * Streaming detokenization: fed one token at a time, it returns only complete
 * UTF-8 characters (holding back a split emoji or CJK character), and the
 * concatenation of everything it returns equals the tokenizer's `decode`
 * (`SpmTokenizer.decode`, `BpeTokenizer.decode`).
 */
export class StreamDecoder {
  private pending = new Uint8Array(0);
  private started = false;
  // ignoreBOM: a text that starts with U+FEFF keeps it (TextDecoder drops a leading BOM by default)
  private readonly utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

  /** @param tokenizer - the tokenizer whose pieces to decode */
  constructor(private readonly tokenizer: DecodableTokenizer) {}

  /** Adds one token; returns the text that is now complete (maybe empty). */
  push(id: number): string {
    let bytes = this.tokenizer.tokenBytes(id);
    if (bytes.length === 0) return '';
    // SentencePiece drops the dummy-prefix space at the start of the text.
    if (!this.started) {
      this.started = true;
      if (this.tokenizer.dropsLeadingSpace && bytes[0] === 0x20) bytes = bytes.subarray(1);
    }
    const all = new Uint8Array(this.pending.length + bytes.length);
    all.set(this.pending);
    all.set(bytes, this.pending.length);
    const cut = completePrefix(all);
    this.pending = all.slice(cut);
    return this.utf8.decode(all.subarray(0, cut), { stream: true });
  }

  /** Ends the stream: returns held-back bytes (invalid ones as U+FFFD). */
  flush(): string {
    const rest = this.utf8.decode(this.pending);
    this.pending = new Uint8Array(0);
    return rest;
  }
}

/** Length of the prefix of `b` that does not end inside a UTF-8 sequence that could still complete. */
function completePrefix(b: Uint8Array): number {
  // look back at most 3 bytes for the start of an unfinished multi-byte sequence
  for (let back = 1; back <= Math.min(3, b.length); back++) {
    const c = b[b.length - back]!;
    if ((c & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 1;
    return need > back ? b.length - back : b.length;
  }
  return b.length;
}
