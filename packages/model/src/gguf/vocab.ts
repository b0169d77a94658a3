import { LlamitaError } from '@llamita/core';
import { BpeTokenizer, IGNORES_MERGES, SpmTokenizer, type BpeVocab, type SpmVocab, type Tokenizer } from '@llamita/tokenizer';
import { metaArray, metaNumber, metaString } from './metadata.js';
import type { GgufFile } from './reader.js';

function flag(file: GgufFile, key: string, fallback: boolean): boolean {
  const v = file.metadata.get(key)?.value;
  return typeof v === 'boolean' ? v : fallback;
}

/**
 * The SentencePiece vocabulary stored in a GGUF's `tokenizer.ggml.*` metadata
 * (model files and vocabulary-only files alike).
 * @throws LlamitaError `E_UNSUPPORTED_MODEL` for a tokenizer other than `llama` (SentencePiece BPE); `E_BAD_FILE` for inconsistent arrays.
 */
export function spmVocabFromGguf(file: GgufFile): SpmVocab {
  const model = metaString(file, 'tokenizer.ggml.model');
  if (model !== 'llama') {
    const hint = model === 'gpt2' ? ': a byte-level BPE vocabulary, read with bpeVocabFromGguf or tokenizerFromGguf' : ' (only llama / SentencePiece BPE)';
    throw new LlamitaError('E_UNSUPPORTED_MODEL', `${file.source.name}: tokenizer "${model}" is not supported${hint}`);
  }
  const pieces = tokenTexts(file);
  const n = pieces.length;
  const scores = metaArray(file, 'tokenizer.ggml.scores')?.items as ArrayLike<number> | undefined;
  const types = metaArray(file, 'tokenizer.ggml.token_type')?.items as ArrayLike<number> | undefined;
  if ((scores && scores.length !== n) || (types && types.length !== n)) {
    throw new LlamitaError('E_BAD_FILE', `${file.source.name}: tokenizer arrays disagree in length (${n} tokens)`);
  }
  const id = (key: string, fallback: number) => tokenId(file, key, fallback, n)!;
  return {
    pieces,
    scores: scores ?? new Float32Array(n),
    types: types ?? new Int32Array(n).fill(1),
    bos: id('tokenizer.ggml.bos_token_id', 1),
    eos: id('tokenizer.ggml.eos_token_id', 2),
    unk: id('tokenizer.ggml.unknown_token_id', 0),
    addBos: flag(file, 'tokenizer.ggml.add_bos_token', true),
    addEos: flag(file, 'tokenizer.ggml.add_eos_token', false),
    addSpacePrefix: flag(file, 'tokenizer.ggml.add_space_prefix', true),
  };
}

/**
 * The byte-level BPE vocabulary (`tokenizer.ggml.model` = `gpt2`: GPT-2,
 * Llama 3, Qwen, StarCoder, Falcon, DeepSeek ...) stored in a GGUF: tokens,
 * types, merges and the pre-tokenizer's name (`tokenizer.ggml.pre`).
 * @throws LlamitaError `E_UNSUPPORTED_MODEL` for another tokenizer; `E_BAD_FILE` for missing or inconsistent arrays.
 */
export function bpeVocabFromGguf(file: GgufFile): BpeVocab {
  const model = metaString(file, 'tokenizer.ggml.model');
  if (model !== 'gpt2') throw new LlamitaError('E_UNSUPPORTED_MODEL', `${file.source.name}: tokenizer "${model}" is not byte-level BPE (gpt2)`);
  const pieces = tokenTexts(file);
  const n = pieces.length;
  const types = metaArray(file, 'tokenizer.ggml.token_type')?.items as ArrayLike<number> | undefined;
  const merges = metaArray(file, 'tokenizer.ggml.merges');
  if (!merges || merges.itemType !== 'string') throw new LlamitaError('E_BAD_FILE', `${file.source.name}: tokenizer.ggml.merges is missing or not strings`);
  if (types && types.length !== n) throw new LlamitaError('E_BAD_FILE', `${file.source.name}: tokenizer arrays disagree in length (${n} tokens)`);
  const preName = file.metadata.get('tokenizer.ggml.pre')?.value;
  // llama.cpp reads a missing or "default" pre-tokenizer as GPT-2's
  const pre = typeof preName === 'string' && preName !== 'default' ? preName : 'gpt-2';
  return {
    pieces,
    types: types ?? new Int32Array(n).fill(1),
    merges: merges.items as readonly string[],
    pre,
    ignoreMerges: IGNORES_MERGES.has(pre),
    bos: tokenId(file, 'tokenizer.ggml.bos_token_id', undefined, n),
    eos: tokenId(file, 'tokenizer.ggml.eos_token_id', undefined, n),
    addBos: flag(file, 'tokenizer.ggml.add_bos_token', false),
    addEos: flag(file, 'tokenizer.ggml.add_eos_token', false),
  };
}

function tokenTexts(file: GgufFile): readonly string[] {
  const tokens = metaArray(file, 'tokenizer.ggml.tokens');
  if (!tokens || tokens.itemType !== 'string') throw new LlamitaError('E_BAD_FILE', `${file.source.name}: tokenizer.ggml.tokens is missing or not strings`);
  return tokens.items as readonly string[];
}

/** A special token's id from metadata `key` (or `fallback`), checked to be in the vocabulary of `n` tokens. */
function tokenId<T extends number | undefined>(file: GgufFile, key: string, fallback: T, n: number): number | T {
  if (fallback === undefined && !file.metadata.has(key)) return fallback;
  const v = metaNumber(file, key, fallback ?? 0);
  if (!Number.isInteger(v) || v < 0 || v >= n) throw new LlamitaError('E_BAD_FILE', `${file.source.name}: ${key} = ${v} is outside the vocabulary`);
  return v;
}

/**
 * The tokenizer a GGUF's vocabulary calls for: byte-level BPE for
 * `tokenizer.ggml.model` = `gpt2`, SentencePiece BPE for `llama`.
 * @throws LlamitaError `E_UNSUPPORTED_MODEL` for another tokenizer; `E_BAD_FILE` for missing or inconsistent arrays.
 */
export function tokenizerFromGguf(file: GgufFile): Tokenizer {
  return file.metadata.get('tokenizer.ggml.model')?.value === 'gpt2' ? new BpeTokenizer(bpeVocabFromGguf(file)) : new SpmTokenizer(spmVocabFromGguf(file));
}

/** The Jinja chat template stored in a GGUF (`tokenizer.chat_template`), if any. */
export function chatTemplateFromGguf(file: GgufFile): string | undefined {
  const v = file.metadata.get('tokenizer.chat_template')?.value;
  return typeof v === 'string' ? v : undefined;
}
