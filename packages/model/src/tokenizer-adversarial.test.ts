import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SpmTokenizer } from '@llamita/tokenizer';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { bytesSource, readGguf, spmVocabFromGguf } from './index.js';

const have = fixturesAvailable();

/** 10 M characters (UTF-16 units; about 17.5 MB of UTF-8) chosen to hurt a tokenizer: one endless word, only spaces, only CJK, only byte-fallback characters (2.5 M units each). */
const ADVERSARIAL: readonly [string, (n: number) => string][] = [
  ['one word', (n) => 'a'.repeat(n)],
  ['spaces', (n) => ' '.repeat(n)],
  ['CJK', (n) => Array.from({ length: n }, (_, i) => String.fromCodePoint(0x4e00 + ((i * 7919) % 20000))).join('')],
  ['characters outside the vocabulary (bytes)', (n) => Array.from({ length: n / 2 }, (_, i) => String.fromCodePoint(0x10000 + ((i * 7919) % 50000))).join('')],
];

// Bounded by the test's time limit: a tokenizer that went quadratic on any of these would take hours.
describe.skipIf(!have)(`the Llama tokenizer on 10 MB of adversarial text${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  it.each(ADVERSARIAL)(
    '%s: 2.5 M characters encode and decode back to the same text',
    async (_name, make) => {
      const gguf = await readGguf(bytesSource(new Uint8Array(readFileSync(fixturePath('llama-spm-vocab/ggml-vocab-llama-spm.gguf')))));
      const tokenizer = new SpmTokenizer(spmVocabFromGguf(gguf));
      const text = make(2_500_000);
      const ids = tokenizer.encode(text, { addBos: false });
      expect(ids.length).toBeGreaterThan(0);
      expect(tokenizer.decode(ids)).toBe(text);
    },
    120_000,
  );
});
