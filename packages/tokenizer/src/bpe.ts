import { LlamitaError } from '@llamita/core';
import { fromByteChars, toByteChars } from './byte-level.js';
import { pairKey } from './merge-table.js';
import { MergeQueue } from './merge-queue.js';
import { preTokenize, preTokenizer, PRE_TOKENIZER_NAMES } from './pre-tokenizers.js';
import { PieceTable } from './piece-table.js';
import type { EncodeOptions } from './spm.js';
import { specialKind, specialTexts, splitSpecials, type SpecialText } from './special-split.js';
import { TokenType } from './vocab.js';

/** A byte-level BPE vocabulary (GGUF `tokenizer.ggml.model` = `gpt2`; GPT-2, Llama 3, Qwen, StarCoder ...). */
export interface BpeVocab {
  /** Piece text of each id, in GPT-2's byte-level alphabet (`Ġ` for a space byte). */
  readonly pieces: readonly string[];
  /** {@link TokenType} of each id. */
  readonly types: ArrayLike<number>;
  /** Merges, highest priority first: `"left right"` in the byte-level alphabet. */
  readonly merges: readonly string[];
  /** The pre-tokenizer's name (GGUF `tokenizer.ggml.pre`: `gpt-2`, `llama-bpe`, `qwen2` ...). */
  readonly pre: string;
  /** Beginning-of-sequence id, if the vocabulary has one. */
  readonly bos?: number;
  /** End-of-sequence id, if the vocabulary has one. */
  readonly eos?: number;
  /** Whether encode adds BOS by default. */
  readonly addBos: boolean;
  /** Whether encode adds EOS by default. */
  readonly addEos: boolean;
  /** A pre-tokenized word that is a piece is that piece, merges or not (Llama 3's `ignore_merges`). */
  readonly ignoreMerges?: boolean;
  /** Unicode normalization of the text first (a tokenizer.json's NFC normalizer; GGUF files have none). */
  readonly normalization?: 'NFC';
}

/** Words whose ids the tokenizer keeps, at most (then it starts again). */
const WORD_CACHE_SIZE = 1 << 16;
/** Longer words are merged each time rather than kept. */
const WORD_CACHE_MAX_LENGTH = 256;

/** What merging a pair of symbols yields and its rank (lower merges first). */
interface BpeMerge {
  readonly id: number;
  readonly rank: number;
}

/**
 * Byte-level BPE (llama.cpp's `llm_tokenizer_bpe`): special tokens split
 * out, the rest cut by the vocabulary's pre-tokenizer, each fragment's UTF-8
 * bytes written in GPT-2's byte alphabet and merged by rank (lowest first,
 * then leftmost, with a priority queue: n log n in a fragment).
 */
export class BpeTokenizer extends PieceTable {
  private readonly specials: readonly SpecialText[];
  private readonly regexes: readonly RegExp[];
  /** Symbols merges name: the vocabulary's pieces, then merge parts and results that are not pieces. */
  private readonly symbols = new Map<string, number>();
  private readonly merges = new Map<number, BpeMerge>();
  protected readonly pieceBytes: Uint8Array[];
  /** Ids of words already merged: text repeats its words, and merging is most of the cost. */
  private readonly wordCache = new Map<string, readonly number[]>();

  /**
   * @param vocab - the vocabulary, from a GGUF or a tokenizer.json
   * @throws LlamitaError `E_UNSUPPORTED_MODEL` for a pre-tokenizer llamita does not know.
   */
  constructor(readonly vocab: BpeVocab) {
    super(vocab.pieces);
    const regexes = preTokenizer(vocab.pre);
    if (!regexes) throw new LlamitaError('E_UNSUPPORTED_MODEL', `pre-tokenizer "${vocab.pre}" is not supported (known: ${PRE_TOKENIZER_NAMES.join(', ')})`);
    this.regexes = regexes;
    this.specials = specialTexts(vocab.pieces, (id) => specialKind(vocab.types[id]));
    for (const [piece, id] of this.ids) this.symbols.set(piece, id);
    // pair keys are left * keySpace + right: exact only below 2^53
    if (this.keySpace ** 2 > Number.MAX_SAFE_INTEGER) throw new LlamitaError('E_BAD_FILE', `a vocabulary of ${vocab.pieces.length} pieces and ${vocab.merges.length} merges is too large`);
    let nextSymbol = vocab.pieces.length;
    const symbol = (text: string): number => {
      let id = this.symbols.get(text);
      if (id === undefined) this.symbols.set(text, (id = nextSymbol++));
      return id;
    };
    vocab.merges.forEach((merge, rank) => {
      const space = merge.indexOf(' ', 1);
      if (space < 0) throw new LlamitaError('E_BAD_FILE', `BPE merge ${rank} ("${merge.slice(0, 40)}") is not two pieces separated by a space`);
      const [left, right] = [merge.slice(0, space), merge.slice(space + 1)];
      const key = pairKey(symbol(left), symbol(right), this.keySpace);
      if (!this.merges.has(key)) this.merges.set(key, { id: symbol(left + right), rank });
    });
    this.pieceBytes = vocab.pieces.map((piece, id) => {
      const type = vocab.types[id];
      if (type === TokenType.Control || type === TokenType.Unused) return new Uint8Array(0);
      // user-defined tokens are plain text; the rest are in the byte alphabet
      return (type !== TokenType.UserDefined && fromByteChars(piece)) || new TextEncoder().encode(piece);
    });
  }

  /** The bound of symbol ids for pair keys: every piece and merge symbol (a merge adds at most three). */
  private get keySpace(): number {
    return this.vocab.pieces.length + 3 * this.vocab.merges.length;
  }

  /** Byte-level BPE decodes every byte as it is: no dummy-prefix space to drop. */
  readonly dropsLeadingSpace = false;

  /**
   * Text to token ids.
   * @throws LlamitaError `E_INVALID_ARGUMENT` for input longer than `MAX_INPUT_LENGTH`, or BOS/EOS asked for where the vocabulary has none.
   */
  encode(text: string, options: EncodeOptions = {}): number[] {
    this.checkLength(text);
    const { addBos = this.vocab.addBos, addEos = this.vocab.addEos, parseSpecial = true } = options;
    const out: number[] = addBos ? [this.required('bos')] : [];
    const wellFormed = text.toWellFormed();
    const normalized = this.vocab.normalization ? wellFormed.normalize(this.vocab.normalization) : wellFormed;
    for (const fragment of splitSpecials(normalized, this.specials, parseSpecial)) {
      if (typeof fragment === 'number') out.push(fragment);
      else for (const word of preTokenize(fragment, this.regexes)) this.encodeWord(word, out);
    }
    if (addEos) out.push(this.required('eos'));
    return out;
  }

  private required(which: 'bos' | 'eos'): number {
    const id = this.vocab[which];
    if (id === undefined) throw new LlamitaError('E_INVALID_ARGUMENT', `this vocabulary has no ${which.toUpperCase()} token`);
    return id;
  }

  /**
   * One pre-tokenized word to ids appended to `out`, from the cache when it
   * was seen before (keyed by the word as written, so a repeated word is not
   * even converted to the byte alphabet again).
   */
  private encodeWord(word: string, out: number[]): void {
    let ids = this.wordCache.get(word);
    if (!ids) {
      const chars = toByteChars(word);
      const whole = this.vocab.ignoreMerges ? this.ids.get(chars) : undefined;
      ids = whole !== undefined ? [whole] : this.mergeWord(chars);
      // bounded: a stream of distinct words (a long random input) must not grow it without end
      if (this.wordCache.size >= WORD_CACHE_SIZE) this.wordCache.clear();
      if (word.length <= WORD_CACHE_MAX_LENGTH) this.wordCache.set(word, ids);
    }
    for (const id of ids) out.push(id);
  }

  /** BPE over one word (in the byte alphabet). */
  private mergeWord(word: string): number[] {
    const out: number[] = [];
    // symbols: one per character, a doubly linked list over symbol ids (-1: a character no merge or piece names)
    const count = word.length;
    const ids = new Int32Array(count);
    const starts = new Int32Array(count + 1);
    const prev = new Int32Array(count);
    const next = new Int32Array(count);
    for (let s = 0; s < count; s++) {
      ids[s] = this.symbols.get(word[s]!) ?? -1;
      starts[s] = s;
      prev[s] = s - 1;
      next[s] = s + 1 < count ? s + 1 : -1;
    }
    starts[count] = count;
    const space = this.keySpace;
    const queue = new MergeQueue();
    const tryAdd = (left: number, right: number) => {
      if (left < 0 || right < 0 || ids[left]! < 0 || ids[right]! < 0) return;
      const merge = this.merges.get(pairKey(ids[left]!, ids[right]!, space));
      // the queue takes the highest priority first: minus the rank
      if (merge) queue.push(-merge.rank, left, right, ids[left]!, ids[right]!);
    };
    for (let i = 1; i < count; i++) tryAdd(i - 1, i);
    while (queue.size > 0) {
      const { left, right, leftId, rightId } = queue.pop();
      // skip merges made stale by an earlier merge on either side
      if (ids[left] !== leftId || ids[right] !== rightId || next[left] !== right) continue;
      ids[left] = this.merges.get(pairKey(leftId, rightId, space))!.id;
      ids[right] = -2;
      next[left] = next[right]!;
      if (next[right]! >= 0) prev[next[right]!] = left;
      tryAdd(prev[left]!, left);
      tryAdd(left, next[left]!);
    }
    for (let i = count > 0 ? 0 : -1; i >= 0; i = next[i]!) {
      if (ids[i]! >= 0 && ids[i]! < this.size) {
        out.push(ids[i]!);
        continue;
      }
      // a symbol that is no piece: its characters one by one, those the vocabulary has (llama.cpp drops the rest)
      const end = next[i]! >= 0 ? starts[next[i]!]! : count;
      for (let c = starts[i]!; c < end; c++) {
        const id = this.ids.get(word[c]!);
        if (id !== undefined) out.push(id);
      }
    }
    return out;
  }
}
