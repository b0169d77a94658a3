import { LlamitaError } from '@llamita/core';
import { TokenType, type SpmVocab } from './vocab.js';

interface TokenizerJson {
  model?: { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[]; unk_token?: string; byte_fallback?: boolean };
  added_tokens?: { id: number; content: string; special?: boolean }[];
  normalizer?: unknown;
  post_processor?: unknown;
}

const bad = (message: string) => new LlamitaError('E_BAD_FILE', `tokenizer.json: ${message}`);

/**
 * The vocabulary of a Hugging Face `tokenizer.json` for a SentencePiece-BPE
 * model (Llama 2, TinyLlama): `model.vocab`, merge ranks, byte fallback,
 * added tokens (special ones become control tokens).
 * @param text - the file's text
 * @throws LlamitaError `E_BAD_FILE` for malformed JSON; `E_UNSUPPORTED_MODEL` for a non-BPE model.
 */
export function spmVocabFromTokenizerJson(text: string): SpmVocab {
  let json: TokenizerJson;
  try {
    json = JSON.parse(text) as TokenizerJson;
  } catch (e) {
    throw bad(`not valid JSON (${(e as Error).message})`);
  }
  const model = json.model;
  if (model?.type !== 'BPE' || typeof model.vocab !== 'object' || !Array.isArray(model.merges)) {
    throw new LlamitaError('E_UNSUPPORTED_MODEL', `tokenizer.json: model type ${String(model?.type)} is not supported (only BPE with vocab and merges)`);
  }
  const entries = Object.entries(model.vocab);
  const added = json.added_tokens ?? [];
  const size = Math.max(...entries.map(([, id]) => id), ...added.map((t) => t.id)) + 1;
  if (!Number.isSafeInteger(size) || size <= 0 || size > 1 << 24) throw bad(`implausible vocabulary size ${size}`);
  const pieces: string[] = new Array<string>(size).fill('');
  const types = new Int32Array(size).fill(TokenType.Unused);
  for (const [piece, id] of entries) {
    if (!Number.isInteger(id) || id < 0) throw bad(`bad id ${id} for ${JSON.stringify(piece)}`);
    pieces[id] = piece;
    types[id] = model.byte_fallback && /^<0x[0-9A-F]{2}>$/.test(piece) ? TokenType.Byte : TokenType.Normal;
  }
  for (const t of added) {
    pieces[t.id] = t.content;
    types[t.id] = t.special ? TokenType.Control : TokenType.UserDefined;
  }
  const unk = model.unk_token !== undefined ? pieces.indexOf(model.unk_token) : -1;
  if (unk >= 0) types[unk] = TokenType.Unknown;

  const merges = new Map<string, number>();
  model.merges.forEach((m, rank) => {
    const key = Array.isArray(m) ? `${m[0]} ${m[1]}` : m;
    if (!merges.has(key)) merges.set(key, rank);
  });
  const idOf = (piece: string, fallback: number) => {
    const i = pieces.indexOf(piece);
    return i >= 0 ? i : fallback;
  };
  const post = JSON.stringify(json.post_processor ?? '');
  const normalizer = JSON.stringify(json.normalizer ?? '');
  return {
    pieces,
    scores: new Float32Array(size),
    types,
    bos: idOf('<s>', 1),
    eos: idOf('</s>', 2),
    unk: Math.max(0, unk),
    addBos: post.includes('"<s>"'),
    addEos: /"\$A"[^\]]*"<\/s>"/.test(post),
    addSpacePrefix: normalizer.includes('"Prepend"') && normalizer.includes('\u2581'),
    merges,
  };
}
