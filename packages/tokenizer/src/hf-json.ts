import { LlamitaError } from '@llamita/core';
import { BpeTokenizer, type BpeVocab } from './bpe.js';
import { SpmTokenizer } from './spm.js';
import { TokenType, type SpmVocab } from './vocab.js';

interface TokenizerJson {
  model?: { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[]; unk_token?: string; byte_fallback?: boolean; ignore_merges?: boolean };
  pre_tokenizer?: unknown;
  decoder?: unknown;
  added_tokens?: { id: number; content: string; special?: boolean }[];
  normalizer?: unknown;
  post_processor?: unknown;
}

const bad = (message: string) => new LlamitaError('E_BAD_FILE', `tokenizer.json: ${message}`);

/** A tokenizer.json's text parsed, checked to hold a BPE model with its vocabulary and merges. */
type ParsedJson = TokenizerJson & { model: { vocab: Record<string, number>; merges: (string | [string, string])[] } };

function parseBpeJson(text: string): ParsedJson {
  let json: TokenizerJson;
  try {
    json = JSON.parse(text) as TokenizerJson;
  } catch (e) {
    throw bad(`not valid JSON (${(e as Error).message})`);
  }
  const model = json.model;
  if (model?.type !== 'BPE' || typeof model.vocab !== 'object' || model.vocab === null || !Array.isArray(model.merges)) {
    throw new LlamitaError('E_UNSUPPORTED_MODEL', `tokenizer.json: model type ${String(model?.type)} is not supported (only BPE with vocab and merges)`);
  }
  return json as ParsedJson;
}

/** Pieces and token types by id: `model.vocab`, then the added tokens (special ones as control tokens). */
function tokenTable(json: ParsedJson): { pieces: string[]; types: Int32Array } {
  const { model } = json;
  const entries = Object.entries(model.vocab);
  const added = json.added_tokens ?? [];
  // a loop, not Math.max(...ids): 128k arguments overflow the stack
  const size = [...entries.map(([, id]) => id), ...added.map((t) => t.id)].reduce((max, id) => Math.max(max, id), -1) + 1;
  if (!Number.isSafeInteger(size) || size <= 0 || size > 1 << 24) throw bad(`implausible vocabulary size ${size}`);
  const pieces: string[] = new Array<string>(size).fill('');
  const types = new Int32Array(size).fill(TokenType.Unused);
  for (const [piece, id] of entries) {
    if (!Number.isInteger(id) || id < 0) throw bad(`bad id ${id} for ${JSON.stringify(piece)}`);
    pieces[id] = piece;
    types[id] = model.byte_fallback && /^<0x[0-9A-F]{2}>$/.test(piece) ? TokenType.Byte : TokenType.Normal;
  }
  for (const t of added) {
    if (!Number.isInteger(t.id) || t.id < 0 || typeof t.content !== 'string') throw bad(`bad added token ${JSON.stringify(t).slice(0, 80)}`);
    pieces[t.id] = t.content;
    types[t.id] = t.special ? TokenType.Control : TokenType.UserDefined;
  }
  return { pieces, types };
}

/** The merges as `"left right"` strings, in rank order (tokenizer.json writes them as strings or pairs). */
const mergeStrings = (merges: (string | [string, string])[]): string[] => merges.map((m) => (Array.isArray(m) ? `${m[0]} ${m[1]}` : m));

/**
 * The vocabulary of a Hugging Face `tokenizer.json` for a SentencePiece-BPE
 * model (Llama 2, TinyLlama): `model.vocab`, merge ranks, byte fallback,
 * added tokens (special ones become control tokens).
 * @param text - the file's text
 * @throws LlamitaError `E_BAD_FILE` for malformed JSON; `E_UNSUPPORTED_MODEL` for a non-BPE model.
 */
export function spmVocabFromTokenizerJson(text: string): SpmVocab {
  return spmVocabOf(parseBpeJson(text));
}

function spmVocabOf(json: ParsedJson): SpmVocab {
  const { model } = json;
  const { pieces, types } = tokenTable(json);
  const size = pieces.length;
  const unk = model.unk_token !== undefined ? pieces.indexOf(model.unk_token) : -1;
  if (unk >= 0) types[unk] = TokenType.Unknown;

  const merges = new Map<string, number>();
  mergeStrings(model.merges).forEach((key, rank) => {
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

/** The Split regexes of Hugging Face tokenizers whose llama.cpp pre-tokenizer llamita has, by that pre-tokenizer's name. */
const HF_SPLIT_PATTERNS: Readonly<Record<string, string>> = {
  'llama-bpe': "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
  qwen2: "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
};

/**
 * The pre-tokenizer name of a tokenizer.json's `pre_tokenizer`: a Split by
 * a regex llamita knows then ByteLevel without its own regex, or ByteLevel
 * with GPT-2's regex alone.
 */
function preTokenizerName(pre: unknown): string | undefined {
  const node = pre as { type?: string; use_regex?: boolean; pretokenizers?: { type?: string; pattern?: { Regex?: string }; use_regex?: boolean }[] } | undefined;
  if (node?.type === 'ByteLevel') return node.use_regex === false ? undefined : 'gpt-2';
  const [split, byteLevel, ...rest] = node?.type === 'Sequence' ? (node.pretokenizers ?? []) : [];
  if (split?.type !== 'Split' || byteLevel?.type !== 'ByteLevel' || byteLevel.use_regex !== false || rest.length > 0) return undefined;
  return Object.keys(HF_SPLIT_PATTERNS).find((name) => HF_SPLIT_PATTERNS[name] === split.pattern?.Regex);
}

/**
 * The vocabulary of a Hugging Face `tokenizer.json` for a byte-level BPE
 * model (Llama 3, Qwen2/2.5/3, SmolLM2 ...): `model.vocab`, the merges in
 * rank order, added tokens (special ones become control tokens), the
 * pre-tokenizer it splits with, `ignore_merges`, an NFC normalizer, and BOS
 * where its post-processor adds one.
 * @param text - the file's text
 * @throws LlamitaError `E_BAD_FILE` for malformed JSON; `E_UNSUPPORTED_MODEL` for a non-BPE model or a pre-tokenizer llamita does not have.
 */
export function bpeVocabFromTokenizerJson(text: string): BpeVocab {
  return bpeVocabOf(parseBpeJson(text));
}

function bpeVocabOf(json: ParsedJson): BpeVocab {
  const pre = preTokenizerName(json.pre_tokenizer);
  if (!pre) throw new LlamitaError('E_UNSUPPORTED_MODEL', `tokenizer.json: pre-tokenizer ${JSON.stringify(json.pre_tokenizer).slice(0, 200)} is not one llamita has`);
  const { pieces, types } = tokenTable(json);
  const normalizer = (json.normalizer ?? null) as { type?: string } | null;
  if (normalizer !== null && normalizer.type !== 'NFC')
    throw new LlamitaError('E_UNSUPPORTED_MODEL', `tokenizer.json: normalizer ${JSON.stringify(normalizer).slice(0, 200)} is not supported (none or NFC)`);
  // a TemplateProcessing post-processor that starts with a special token adds it as BOS
  type Processor = { type?: string; single?: { SpecialToken?: { id?: string } }[]; processors?: Processor[] };
  const processor = json.post_processor as Processor | undefined;
  const template = processor?.type === 'Sequence' ? processor.processors?.find((p) => p.type === 'TemplateProcessing') : processor;
  const single = template?.single;
  const bosText = single?.[0]?.SpecialToken?.id;
  const bos = bosText !== undefined ? pieces.indexOf(bosText) : -1;
  return {
    pieces,
    types,
    merges: mergeStrings(json.model.merges),
    pre,
    ignoreMerges: json.model.ignore_merges === true,
    normalization: normalizer?.type === 'NFC' ? 'NFC' : undefined,
    ...(bos >= 0 && { bos }),
    addBos: bos >= 0,
    addEos: false,
  };
}

/**
 * The tokenizer a Hugging Face `tokenizer.json` describes, read once:
 * byte-level BPE where it has a ByteLevel pre-tokenizer or decoder
 * (SentencePiece-BPE files have neither), SentencePiece BPE otherwise.
 * @param text - the file's text
 * @throws LlamitaError as {@link spmVocabFromTokenizerJson} and {@link bpeVocabFromTokenizerJson}.
 */
export function tokenizerFromTokenizerJson(text: string): SpmTokenizer | BpeTokenizer {
  const json = parseBpeJson(text);
  const byteLevel = JSON.stringify([json.pre_tokenizer ?? null, json.decoder ?? null]).includes('"ByteLevel"');
  return byteLevel ? new BpeTokenizer(bpeVocabOf(json)) : new SpmTokenizer(spmVocabOf(json));
}
