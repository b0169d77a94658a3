import { LlamitaError } from '@llamita/core';
import type { SpmVocab } from '@llamita/tokenizer';
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
  if (model !== 'llama') throw new LlamitaError('E_UNSUPPORTED_MODEL', `${file.source.name}: tokenizer "${model}" is not supported (only llama / SentencePiece BPE)`);
  const tokens = metaArray(file, 'tokenizer.ggml.tokens');
  if (!tokens || tokens.itemType !== 'string') throw new LlamitaError('E_BAD_FILE', `${file.source.name}: tokenizer.ggml.tokens is missing or not strings`);
  const pieces = tokens.items as readonly string[];
  const n = pieces.length;
  const scores = metaArray(file, 'tokenizer.ggml.scores')?.items as ArrayLike<number> | undefined;
  const types = metaArray(file, 'tokenizer.ggml.token_type')?.items as ArrayLike<number> | undefined;
  if ((scores && scores.length !== n) || (types && types.length !== n)) {
    throw new LlamitaError('E_BAD_FILE', `${file.source.name}: tokenizer arrays disagree in length (${n} tokens)`);
  }
  const id = (key: string, fallback: number) => {
    const v = metaNumber(file, key, fallback);
    if (!Number.isInteger(v) || v < 0 || v >= n) throw new LlamitaError('E_BAD_FILE', `${file.source.name}: ${key} = ${v} is outside the vocabulary`);
    return v;
  };
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

/** The Jinja chat template stored in a GGUF (`tokenizer.chat_template`), if any. */
export function chatTemplateFromGguf(file: GgufFile): string | undefined {
  const v = file.metadata.get('tokenizer.chat_template')?.value;
  return typeof v === 'string' ? v : undefined;
}
