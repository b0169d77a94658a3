import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { SpmTokenizer, spmVocabFromSentencePieceModel, spmVocabFromTokenizerJson, tokenizerFromTokenizerJson } from '@llamita/tokenizer';
import { fileSource } from './gguf/node-source.js';
import { readGguf } from './gguf/reader.js';
import { spmVocabFromGguf } from './gguf/vocab.js';

const have = fixturesAvailable();
const SEPARATOR = '\n__ggml_vocab_test__\n';

async function tokenizerFrom(relative: string): Promise<SpmTokenizer> {
  const file = await readGguf(await fileSource(fixturePath(relative)));
  await file.source.close();
  return new SpmTokenizer(spmVocabFromGguf(file));
}

/** The same Llama 2 vocabulary from each of the three sources users bring. */
const SOURCES: [string, () => Promise<SpmTokenizer>][] = [
  ['GGUF', () => tokenizerFrom('llama-spm-vocab/ggml-vocab-llama-spm.gguf')],
  ['tokenizer.json', async () => new SpmTokenizer(spmVocabFromTokenizerJson(readFileSync(fixturePath('tinyllama-1.1b-chat-v1.0/tokenizer.json'), 'utf8')))],
  // read without saying which kind: a SentencePiece-BPE tokenizer.json gives SpmTokenizer
  ['tokenizer.json, kind found from the file', async () => tokenizerFromTokenizerJson(readFileSync(fixturePath('tinyllama-1.1b-chat-v1.0/tokenizer.json'), 'utf8')) as SpmTokenizer],
  ['tokenizer.model', async () => new SpmTokenizer(spmVocabFromSentencePieceModel(new Uint8Array(readFileSync(fixturePath('tinyllama-1.1b-chat-v1.0/tokenizer.model')))))],
];

describe.skipIf(!have).each(SOURCES)(`Llama 2 vocabulary from %s${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, (_source, build) => {
  let tok: SpmTokenizer;
  beforeAll(async () => {
    tok = await build();
  });

  const base = 'llama-spm-vocab/ggml-vocab-llama-spm.gguf';
  const inputs = have ? readFileSync(fixturePath(`${base}.inp`), 'utf8').split(SEPARATOR) : [];
  const outputs = have ? readFileSync(fixturePath(`${base}.out`), 'utf8').split('\n') : [];
  // Both files end with a terminator, leaving one empty piece at the end.
  const dropLastEmpty = (parts: string[]) => (parts.at(-1) === '' ? parts.slice(0, -1) : parts);
  const cases = dropLastEmpty(inputs).map((text, i) => ({
    text,
    ids: (dropLastEmpty(outputs)[i] ?? '').trim().split(/\s+/).filter(Boolean).map(Number),
  }));

  it("has llama.cpp's 46 test cases", () => {
    expect(cases.length).toBe(46);
  });

  it.each(cases.map((c, i) => [i, JSON.stringify(c.text).slice(0, 40), c] as const))('case %i %s encodes as the reference', (_i, _label, c) => {
    expect(tok.encode(c.text, { addBos: false })).toEqual(c.ids);
  });

  it.each(cases.map((c, i) => [i, c] as const))('case %i decodes back to its text', (_i, c) => {
    expect(tok.decode(c.ids)).toBe(c.text);
  });

  it('recognizes control tokens inside text, with an option to treat them as text', () => {
    expect(tok.encode('a</s>b', { addBos: false })).toEqual([263, 2, 289]);
    expect(tok.encode('a</s>b', { addBos: false, parseSpecial: false })).not.toContain(2);
  });

  it('adds BOS as the metadata says', () => {
    expect(tok.vocab.addBos).toBe(true);
    expect(tok.encode('Hello')[0]).toBe(1);
  });

  it('streams: never half a character, and the pieces concatenate to decode()', () => {
    const text = 'Grüße 🦙 你好世界 — ok';
    const ids = tok.encode(text, { addBos: false });
    const stream = tok.createStreamDecoder();
    const pieces = ids.map((id) => stream.push(id));
    pieces.push(stream.flush());
    for (const p of pieces) expect(p).not.toMatch(/\uFFFD/);
    expect(pieces.join('')).toBe(tok.decode(ids));
    expect(pieces.join('')).toBe(text);
  });

  it('handles bad input: lone surrogates, NUL, a long run of one character', () => {
    expect(tok.decode(tok.encode('a\uD800b', { addBos: false }))).toBe('a\uFFFDb');
    expect(tok.decode(tok.encode('x\u0000y', { addBos: false }))).toBe('x\u0000y');
    const long = 'a'.repeat(200_000);
    expect(tok.decode(tok.encode(long, { addBos: false }))).toBe(long);
    // invalid UTF-8 (a lone continuation byte, a truncated 3-byte sequence) becomes U+FFFD
    expect(tok.decode(tok.encodeBytes(Uint8Array.of(0x61, 0x80, 0x62, 0xe4, 0xbd), { addBos: false }))).toBe('a\uFFFDb\uFFFD');
    expect(() => tok.encode({ length: 2 ** 29 } as unknown as string)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });
});

describe.skipIf(!have)('stories260K vocabulary', () => {
  it('gives llama.cpp\'s prompt ids for "Once upon a time"', async () => {
    const tok = await tokenizerFrom('stories260K/stories260K.gguf');
    const expected = JSON.parse(readFileSync(fixturePath('quant/expected.jsonl'), 'utf8').split('\n')[0]!) as { greedy: { prompt: number[] } };
    expect(tok.encode('Once upon a time')).toEqual(expected.greedy.prompt);
  });
});
