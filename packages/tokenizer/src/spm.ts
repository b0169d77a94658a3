import { LlamitaError } from '@llamita/core';
import { buildMergeTable, pairKey, type Merge } from './merge-table.js';
import { MergeQueue } from './merge-queue.js';
import { specialTexts, splitSpecials, type SpecialText } from './special-split.js';
import { TokenType, type SpmVocab } from './vocab.js';

/** Options of {@link SpmTokenizer.encode}. */
export interface EncodeOptions {
  /** Add BOS (default: as the vocabulary says). */
  readonly addBos?: boolean;
  /** Add EOS (default: as the vocabulary says). */
  readonly addEos?: boolean;
  /**
   * Recognize control and user-defined token texts inside the input (`</s>` →
   * id 2), as llama.cpp and Hugging Face do by default. When false, only
   * user-defined tokens are recognized and control texts are plain text.
   */
  readonly parseSpecial?: boolean;
}

/** Input longer than this many UTF-16 units is refused, so a runaway input fails fast. */
export const MAX_INPUT_LENGTH = 1 << 28;

const SPACE = '\u2581';

/**
 * SentencePiece-style BPE (llama.cpp's `llm_tokenizer_spm`): merges adjacent
 * symbols by piece score, or by merge rank for tokenizer.json vocabularies,
 * with a priority queue (n log n in the input), falls back to `<0xNN>` byte
 * pieces, and decodes back to text.
 */
export class SpmTokenizer {
  private readonly ids = new Map<string, number>();
  private readonly byteIds = new Int32Array(256).fill(-1);
  /** Special texts to split out of the input, longest first. */
  private readonly specials: readonly SpecialText[];
  private readonly pieceBytes: Uint8Array[];
  private readonly merges: Map<number, Merge>;
  private readonly utf8 = new TextEncoder();
  /** Piece id of each BMP code point as a one-character piece; -2 until looked up. */
  private readonly bmpIds = new Int32Array(0x10000).fill(-2);

  /** @param vocab - the vocabulary, from a GGUF, tokenizer.json or tokenizer.model */
  constructor(readonly vocab: SpmVocab) {
    const encoder = new TextEncoder();
    vocab.pieces.forEach((piece, id) => {
      const type = vocab.types[id];
      if (!this.ids.has(piece)) this.ids.set(piece, id);
      if (type === TokenType.Byte) {
        const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
        if (m) this.byteIds[parseInt(m[1]!, 16)] = id;
      }
    });
    this.specials = specialTexts(vocab.pieces, (id) => specialKind(vocab.types[id]));
    this.merges = buildMergeTable(vocab, this.ids);
    this.pieceBytes = vocab.pieces.map((piece, id) => {
      const type = vocab.types[id];
      if (type === TokenType.Byte) {
        const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
        return Uint8Array.of(m ? parseInt(m[1]!, 16) : 0);
      }
      if (type === TokenType.Control || type === TokenType.Unused) return new Uint8Array(0);
      return encoder.encode(piece.replaceAll(SPACE, ' '));
    });
  }

  /** Vocabulary size. */
  get size(): number {
    return this.vocab.pieces.length;
  }

  /** Whether decoded text drops the space of SentencePiece's dummy prefix (when the vocabulary adds one). */
  get dropsLeadingSpace(): boolean {
    return this.vocab.addSpacePrefix;
  }

  /** Id of a piece text, if it is in the vocabulary. */
  tokenId(piece: string): number | undefined {
    return this.ids.get(piece);
  }

  /** Piece text of an id (with `▁` for spaces). */
  piece(id: number): string {
    const p = this.vocab.pieces[id];
    if (p === undefined) throw new LlamitaError('E_INVALID_ARGUMENT', `token id ${id} is outside the vocabulary [0, ${this.size})`);
    return p;
  }

  /**
   * Text to token ids.
   * @throws LlamitaError `E_INVALID_ARGUMENT` for input longer than {@link MAX_INPUT_LENGTH}.
   */
  encode(text: string, options: EncodeOptions = {}): number[] {
    if (text.length > MAX_INPUT_LENGTH) throw new LlamitaError('E_INVALID_ARGUMENT', `input of ${text.length} characters is longer than ${MAX_INPUT_LENGTH}`);
    // Lone surrogates cannot be UTF-8 encoded: they become U+FFFD, as TextEncoder does.
    const clean = text.toWellFormed();
    const { addBos = this.vocab.addBos, addEos = this.vocab.addEos, parseSpecial = true } = options;
    const out: number[] = addBos ? [this.vocab.bos] : [];
    let prevSpecial = true;
    for (const fragment of splitSpecials(clean, this.specials, parseSpecial)) {
      if (typeof fragment === 'number') {
        out.push(fragment);
        prevSpecial = true;
        continue;
      }
      const prefixed = this.vocab.addSpacePrefix && prevSpecial ? ` ${fragment}` : fragment;
      this.encodeRaw(prefixed.replaceAll(' ', SPACE), out);
      prevSpecial = false;
    }
    if (addEos) out.push(this.vocab.eos);
    return out;
  }

  /**
   * UTF-8 bytes to token ids. Invalid UTF-8 sequences become U+FFFD (as
   * TextDecoder's replacement mode), so any byte string has a defined result.
   */
  encodeBytes(bytes: Uint8Array, options: EncodeOptions = {}): number[] {
    return this.encode(new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes), options);
  }

  /** BPE over one raw fragment (spaces already `▁`), appending ids to `out`. */
  private encodeRaw(text: string, out: number[]): void {
    // symbols: one per code point, as a doubly linked list over piece ids (-1: not a piece)
    const count = countCodePoints(text);
    const ids = new Int32Array(count);
    const starts = new Int32Array(count + 1);
    const prev = new Int32Array(count);
    const next = new Int32Array(count);
    for (let i = 0, s = 0; s < count; s++) {
      const cp = text.codePointAt(i)!;
      starts[s] = i;
      ids[s] = this.charId(cp, text, i);
      prev[s] = s - 1;
      next[s] = s + 1 < count ? s + 1 : -1;
      i += cp > 0xffff ? 2 : 1;
    }
    starts[count] = text.length;
    const size = this.size;
    const queue = new MergeQueue();
    const tryAdd = (left: number, right: number) => {
      if (left < 0 || right < 0) return;
      const l = ids[left]!;
      const r = ids[right]!;
      if (l < 0 || r < 0) return;
      const merge = this.merges.get(pairKey(l, r, size));
      if (merge) queue.push(merge.priority, left, right, l, r);
    };
    for (let i = 1; i < count; i++) tryAdd(i - 1, i);
    while (queue.size > 0) {
      const { left, right, leftId, rightId } = queue.pop();
      // skip merges made stale by an earlier merge on either side
      if (ids[left] !== leftId || ids[right] !== rightId || next[left] !== right) continue;
      ids[left] = this.merges.get(pairKey(leftId, rightId, size))!.id;
      ids[right] = -2; // consumed
      next[left] = next[right]!;
      if (next[right]! >= 0) prev[next[right]!] = left;
      tryAdd(prev[left]!, left);
      tryAdd(left, next[left]!);
    }
    for (let i = count > 0 ? 0 : -1; i >= 0; i = next[i]!) {
      if (ids[i]! >= 0) {
        out.push(ids[i]!);
        continue;
      }
      // byte fallback: each UTF-8 byte of an unknown character as a <0xNN> piece, else <unk>
      const end = next[i]! >= 0 ? starts[next[i]!]! : text.length;
      for (const byte of this.utf8.encode(text.slice(starts[i]!, end))) {
        const bid = this.byteIds[byte]!;
        out.push(bid >= 0 ? bid : this.vocab.unk);
      }
    }
  }

  /** Piece id of one code point (cached for the Basic Multilingual Plane), or -1. */
  private charId(cp: number, text: string, at: number): number {
    if (cp < 0x10000) {
      let id = this.bmpIds[cp]!;
      if (id === -2) id = this.bmpIds[cp] = this.ids.get(text[at]!) ?? -1;
      return id;
    }
    return this.ids.get(text.substr(at, 2)) ?? -1;
  }

  /** The bytes a token stands for in decoded text (empty for control tokens). */
  tokenBytes(id: number): Uint8Array {
    const b = this.pieceBytes[id];
    if (b === undefined) throw new LlamitaError('E_INVALID_ARGUMENT', `token id ${id} is outside the vocabulary [0, ${this.size})`);
    return b;
  }

  /**
   * Token ids to text. The leading space of the dummy prefix is removed, as
   * SentencePiece does; bytes that are not valid UTF-8 become U+FFFD.
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
 * ({@link SpmTokenizer.decode}, `BpeTokenizer.decode`).
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

/** Which token types are matched in text as a whole (llama.cpp: control, unknown and user-defined). */
export function specialKind(type: number | undefined): 'control' | 'user' | undefined {
  if (type === TokenType.UserDefined) return 'user';
  return type === TokenType.Control || type === TokenType.Unknown ? 'control' : undefined;
}

function countCodePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++, n++) if (text.charCodeAt(i) >= 0xd800 && text.charCodeAt(i) < 0xdc00 && i + 1 < text.length) i++;
  return n;
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
