/**
 * Byte-level BPE vocabularies read from their GGUFs, against llama.cpp's own
 * tokenizer tests (`../shared/fixtures/vocab-tests/`: 46 strings each, the ids
 * Hugging Face's tokenizers give, which llama.cpp reproduces).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BpeTokenizer } from '@llamita/tokenizer';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { bytesSource } from './gguf/source.js';
import { readGguf } from './gguf/reader.js';
import { bpeVocabFromGguf, spmVocabFromGguf } from './gguf/vocab.js';

const SEPARATOR = '\n__ggml_vocab_test__\n';
const VOCABS = ['gpt-2', 'mpt', 'starcoder', 'refact', 'falcon', 'deepseek-coder', 'deepseek-llm'];
const have = fixturesAvailable();

async function tokenizerFor(name: string): Promise<BpeTokenizer> {
  const gguf = await readGguf(bytesSource(new Uint8Array(readFileSync(fixturePath(`vocab-tests/ggml-vocab-${name}.gguf`)))));
  return new BpeTokenizer(bpeVocabFromGguf(gguf));
}

/** The 46 strings and the ids expected for them (both files end with a terminator: one empty piece to drop). */
function cases(name: string): { text: string; ids: number[] }[] {
  const base = `vocab-tests/ggml-vocab-${name}.gguf`;
  const inputs = readFileSync(fixturePath(`${base}.inp`), 'utf8')
    .split(SEPARATOR)
    .slice(0, -1);
  const outputs = readFileSync(fixturePath(`${base}.out`), 'utf8').split('\n');
  return inputs.map((text, i) => ({ text, ids: outputs[i]!.trim().split(/\s+/).filter(Boolean).map(Number) }));
}

describe.skipIf(!have).each(VOCABS)(`byte-level BPE vocabulary %s${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, (name) => {
  it("encodes llama.cpp's 46 test strings to the reference ids and decodes them back", async () => {
    const tok = await tokenizerFor(name);
    const all = cases(name);
    expect(all).toHaveLength(46);
    const got = all.map((c) => tok.encode(c.text, { addBos: false, parseSpecial: false }));
    expect(got).toEqual(all.map((c) => c.ids));
    expect(all.map((c) => tok.decode(c.ids))).toEqual(all.map((c) => c.text));
  });
});

describe.skipIf(!have)('byte-level BPE metadata', () => {
  it("reads the pre-tokenizer, special ids and BOS flag llama.cpp's tests list", async () => {
    const deepseek = await tokenizerFor('deepseek-coder');
    expect([deepseek.vocab.pre, deepseek.vocab.bos, deepseek.vocab.addBos]).toEqual(['deepseek-coder', 32013, true]);
    expect(deepseek.encode('a')[0]).toBe(32013);
    const gpt2 = await tokenizerFor('gpt-2');
    expect([gpt2.vocab.pre, gpt2.vocab.addBos]).toEqual(['gpt-2', false]);
    // a control token's text is that token only when special texts are parsed
    expect(gpt2.encode('a<|endoftext|>b')).toContain(50256);
    expect(gpt2.encode('a<|endoftext|>b', { parseSpecial: false })).not.toContain(50256);
  });

  it('refuses a byte-level vocabulary as SentencePiece, and says where to read it', async () => {
    const gguf = await readGguf(bytesSource(new Uint8Array(readFileSync(fixturePath('vocab-tests/ggml-vocab-gpt-2.gguf')))));
    expect(() => spmVocabFromGguf(gguf)).toThrow(/byte-level BPE vocabulary, read with bpeVocabFromGguf/);
  });
});
