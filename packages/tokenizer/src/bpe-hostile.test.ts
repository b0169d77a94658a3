import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LlamitaError } from '@llamita/core';
import { BpeTokenizer, type BpeVocab } from './bpe.js';
import { PRE_TOKENIZER_NAMES } from './pre-tokenizers.js';
import { TokenType } from './vocab.js';

/** Pieces and merges as a stranger's file may hold them: short strings over a small alphabet, any merge text. */
const hostileVocab = fc.record({
  pieces: fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'Ġ', 'Ċ', ' ', '<', '>', '|', 'é'), maxLength: 4 }), { minLength: 1, maxLength: 40 }),
  // mostly "left right" pairs, sometimes any text (no space: a malformed merge)
  merges: fc.array(
    fc.oneof(
      {
        weight: 9,
        arbitrary: fc
          .tuple(fc.string({ unit: fc.constantFrom('a', 'b', 'Ġ', 'é'), minLength: 1, maxLength: 3 }), fc.string({ unit: fc.constantFrom('a', 'b', 'Ġ', ' '), maxLength: 3 }))
          .map(([l, r]) => `${l} ${r}`),
      },
      { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('a', 'b', 'Ġ', ' ', 'é'), maxLength: 5 }) },
    ),
    { maxLength: 40 },
  ),
  pre: fc.constantFrom(...PRE_TOKENIZER_NAMES, 'no-such-pre'),
  special: fc.nat(),
  ignoreMerges: fc.boolean(),
});

describe('BpeTokenizer on hostile vocabularies', () => {
  it('builds or refuses with a typed error, and then encodes any text to ids of the vocabulary and decodes them', () => {
    fc.assert(
      fc.property(hostileVocab, fc.string({ unit: 'grapheme', maxLength: 30 }), ({ pieces, merges, pre, special, ignoreMerges }, text) => {
        const types = Int32Array.from(pieces, (_, id) => (id === special % pieces.length ? TokenType.Control : TokenType.Normal));
        const vocab: BpeVocab = { pieces, types, merges, pre, ignoreMerges, addBos: false, addEos: false };
        let tokenizer: BpeTokenizer;
        try {
          tokenizer = new BpeTokenizer(vocab);
        } catch (e) {
          expect(e).toBeInstanceOf(LlamitaError);
          return;
        }
        const ids = tokenizer.encode(text);
        expect(ids.every((id) => Number.isInteger(id) && id >= 0 && id < pieces.length)).toBe(true);
        expect(typeof tokenizer.decode(ids)).toBe('string');
      }),
      { seed: 19, numRuns: 1500 },
    );
  });

  it('refuses a vocabulary too large for exact pair keys', () => {
    const vocab: BpeVocab = { pieces: ['a'], types: [TokenType.Normal], merges: { length: 40_000_000 } as unknown as string[], pre: 'gpt-2', addBos: false, addEos: false };
    expect(() => new BpeTokenizer(vocab)).toThrow(/too large/);
  });
});
