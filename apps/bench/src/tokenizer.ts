// Tokenizer throughput: llamita's SpmTokenizer vs @huggingface/tokenizers and
// llama-tokenizer-js, in one process, on the same ~1 MB corpus, checking that
// all three produce the same ids. Run: pnpm --filter @llamita/bench tokenizer
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '@huggingface/tokenizers';
import llamaTokenizer from 'llama-tokenizer-js';
import { SpmTokenizer, spmVocabFromTokenizerJson } from '@llamita/tokenizer';
import { buildCorpus } from './corpus.js';
import { race, type Contender } from './tokenizer-race.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const fixtures = process.env.LLAMITA_FIXTURES ?? resolve(root, '../shared/fixtures');
const dir = join(fixtures, 'tinyllama-1.1b-chat-v1.0');
const tokenizerJson = readFileSync(join(dir, 'tokenizer.json'), 'utf8');
const paragraphs = buildCorpus(root, fixtures, 1 << 20);
const megabytes = paragraphs.reduce((s, p) => s + Buffer.byteLength(p), 0) / 1e6;

const ours = new SpmTokenizer(spmVocabFromTokenizerJson(tokenizerJson));
const hf = new Tokenizer(JSON.parse(tokenizerJson), JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')));

const contenders: Contender[] = [
  ['llamita', (t) => ours.encode(t, { addBos: false })],
  ['@huggingface/tokenizers', (t) => hf.encode(t, { add_special_tokens: false }).ids],
  ['llama-tokenizer-js', (t) => llamaTokenizer.encode(t, false, true, false)],
];

const results = race(contenders, paragraphs);

// Linear cost: one long run of a single character.
const long = 'a'.repeat(10_000_000);
const start = performance.now();
const longIds = ours.encode(long, { addBos: false });
const longMs = performance.now() - start;

console.log(JSON.stringify({ corpus_mb: +megabytes.toFixed(3), paragraphs: paragraphs.length, results, llamita_10mb_single_char: { ms: Math.round(longMs), tokens: longIds.length } }, null, 2));
