import { buildMergeTable, pairKey, type Merge } from './merge-table.js';
import { MergeQueue } from './merge-queue.js';
import { PieceTable } from './piece-table.js';
import { specialKind, specialTexts, splitSpecials, type SpecialText } from './special-split.js';
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

const SPACE = '\u2581';

/**
 * SentencePiece-style BPE (llama.cpp's `llm_tokenizer_spm`): merges adjacent
 * symbols by piece score, or by merge rank for tokenizer.json vocabularies,
 * with a priority queue (n log n in the input), falls back to `<0xNN>` byte
 * pieces, and decodes back to text.
 */
export class SpmTokenizer extends PieceTable {
  private readonly byteIds = new Int32Array(256).fill(-1);
  /** Special texts to split out of the input, longest first. */
  private readonly specials: readonly SpecialText[];
  protected readonly pieceBytes: Uint8Array[];
  private readonly merges: Map<number, Merge>;
  private readonly utf8 = new TextEncoder();
  /** Piece id of each BMP code point as a one-character piece; -2 until looked up. */
  private readonly bmpIds = new Int32Array(0x10000).fill(-2);

  /** @param vocab - the vocabulary, from a GGUF, tokenizer.json or tokenizer.model */
  constructor(readonly vocab: SpmVocab) {
    super(vocab.pieces);
    const encoder = new TextEncoder();
    vocab.pieces.forEach((piece, id) => {
      const type = vocab.types[id];
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

  /** Whether decoded text drops the space of SentencePiece's dummy prefix (when the vocabulary adds one). */
  get dropsLeadingSpace(): boolean {
    return this.vocab.addSpacePrefix;
  }

  /**
   * Text to token ids.
   * @throws LlamitaError `E_INVALID_ARGUMENT` for input longer than `MAX_INPUT_LENGTH`.
   */
  encode(text: string, options: EncodeOptions = {}): number[] {
    this.checkLength(text);
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
}

function countCodePoints(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++, n++) if (text.charCodeAt(i) >= 0xd800 && text.charCodeAt(i) < 0xdc00 && i + 1 < text.length) i++;
  return n;
}
