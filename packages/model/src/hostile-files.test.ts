import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsBackend } from '@llamita/backend-js';
import { concatBytes } from '@llamita/core';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { SpmTokenizer } from '@llamita/tokenizer';
import { ggufFields, type GgufField } from './gguf/gguf-fields.test-helper.js';
import { loadGgufLlama } from './gguf/gguf-llama.js';
import { readGguf } from './gguf/reader.js';
import { bytesSource } from './gguf/source.js';
import { spmVocabFromGguf } from './gguf/vocab.js';
import { hfTensorSource } from './safetensors/hf-llama.js';
import { readSafetensors, serializeSafetensors } from './safetensors/reader.js';

const have = fixturesAvailable();

/** What the engine does with a file: parse, read the vocabulary, load the weights, run one token. */
async function loadAndRun(bytes: Uint8Array): Promise<void> {
  const file = await readGguf(bytesSource(bytes, 'fuzzed.gguf'));
  const tokenizer = new SpmTokenizer(spmVocabFromGguf(file));
  const model = await loadGgufLlama(file, await jsBackend.create(), { contextSize: 16 });
  try {
    const before = process.memoryUsage().arrayBuffers;
    await model.evaluateGreedy([tokenizer.vocab.bos]);
    // a header cannot make the engine hold more than the file's weights plus working memory
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * bytes.length + (64 << 20));
  } finally {
    model.dispose();
  }
}

/** The hostile values a numeric field gets: the edges of its width, small counts, the original nudged. */
function numberFor(field: GgufField, original: bigint): fc.Arbitrary<bigint> {
  const bits = BigInt(field.width * 8);
  const max = (1n << bits) - 1n;
  return fc.oneof(
    fc.constantFrom(0n, 1n, 2n, max, max >> 1n, (max >> 1n) + 1n, 0xffffffffn & max, 0x100000000n & max),
    fc.bigInt({ min: 0n, max }),
    fc.integer({ min: -3, max: 3 }).map((d) => (original + BigInt(d)) & max),
  );
}

function writeNumber(bytes: Uint8Array, field: GgufField, value: bigint): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (field.width === 8) view.setBigUint64(field.at, value, true);
  else if (field.width === 4) view.setUint32(field.at, Number(value), true);
  else if (field.width === 2) view.setUint16(field.at, Number(value), true);
  else bytes[field.at] = Number(value);
}

function readNumber(bytes: Uint8Array, field: GgufField): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (field.width === 8) return view.getBigUint64(field.at, true);
  if (field.width === 4) return BigInt(view.getUint32(field.at, true));
  if (field.width === 2) return BigInt(view.getUint16(field.at, true));
  return BigInt(bytes[field.at]!);
}

describe.skipIf(!have)(`hostile GGUF headers, field by field (fast-check)${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  const original = have ? new Uint8Array(readFileSync(fixturePath('stories260K/stories260K.gguf'))) : new Uint8Array();
  const fields = have ? ggufFields(original) : [];
  const roles = [...new Set(fields.map((f) => f.role))];

  it('walks the header the reader reads (the walker is right before it is trusted)', async () => {
    const last = fields[fields.length - 1]!;
    const file = await readGguf(bytesSource(original, 'stories260K.gguf'));
    expect(last.at + last.width).toBeLessThanOrEqual(file.dataOffset);
    expect(file.dataOffset - (last.at + last.width)).toBeLessThan(32);
    expect(roles).toEqual(expect.arrayContaining(['version', 'tensor count', 'kv count', 'kv key length', 'kv type', 'array count', 'tensor dims', 'tensor type', 'tensor offset']));
  });

  it('every field overwritten with hostile values: a typed error or a model that runs, within time and memory', async () => {
    const mutation = fc.record({ role: fc.constantFrom(...roles), pick: fc.nat(), extra: fc.nat({ max: 3 }), cut: fc.option(fc.nat(), { freq: 6 }) }).chain(({ role, pick, extra, cut }) => {
      const ofRole = fields.filter((f) => f.role === role);
      const chosen = [...new Set(Array.from({ length: 1 + extra }, (_, i) => ofRole[(pick + i * 7919) % ofRole.length]!))];
      const values = chosen.map((f) => (f.role.endsWith('bytes') ? fc.uint8Array({ minLength: f.width, maxLength: f.width }) : numberFor(f, readNumber(original, f))));
      return fc.tuple(fc.constant(chosen), fc.tuple(...values), fc.constant(cut));
    });
    let rejected = 0;
    let loaded = 0;
    await fc.assert(
      fc.asyncProperty(mutation, async ([chosen, values, cut]) => {
        const bytes = original.slice(0, cut === null ? original.length : cut % original.length);
        chosen.forEach((f, i) => {
          if (f.at + f.width > bytes.length) return;
          const v = values[i]!;
          if (v instanceof Uint8Array) bytes.set(v, f.at);
          else writeNumber(bytes, f, v);
        });
        try {
          await loadAndRun(bytes);
          loaded++;
        } catch (e) {
          expect(e).toMatchObject({ name: 'LlamitaError', code: expect.stringMatching(/^E_(BAD_FILE|UNSUPPORTED_MODEL|OUT_OF_MEMORY|INVALID_ARGUMENT)$/) });
          rejected++;
        }
      }),
      { seed: 18, numRuns: 2_000 },
    );
    // both outcomes occur: the mutations reach past the parser into loading
    expect(rejected).toBeGreaterThan(0);
    expect(loaded).toBeGreaterThan(0);
  }, 240_000);
});

describe('hostile safetensors headers (fast-check)', () => {
  /** A file with a hand-made header object and 64 bytes of data. */
  const withHeader = (header: unknown, declaredLength?: bigint) => {
    const json = new TextEncoder().encode(JSON.stringify(header) ?? 'null');
    const out = new Uint8Array(8 + json.length + 64);
    new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
    out.set(json, 8);
    return out;
  };
  const edgeNumber = fc.oneof(fc.integer({ min: -2, max: 80 }), fc.constantFrom(2 ** 31, 2 ** 53, 2 ** 64, -(2 ** 53), 1.5, Number.NaN), fc.anything());
  const entry = fc.record(
    {
      dtype: fc.oneof(fc.constantFrom('F32', 'F16', 'BF16', 'I8', 'F8_E4M3', 'BOOL', 'f32', ''), fc.anything()),
      shape: fc.oneof(fc.array(edgeNumber, { maxLength: 5 }), fc.anything()),
      data_offsets: fc.oneof(fc.tuple(edgeNumber, edgeNumber), fc.array(edgeNumber, { maxLength: 3 }), fc.anything()),
    },
    { requiredKeys: [] },
  );
  const header = fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom('model.embed_tokens.weight', '__metadata__', '__proto__', 'constructor'), fc.string()), entry, { maxKeys: 4 }), fc.anything());

  it('any header: read and used as a checkpoint, or refused with a typed error; never a crash, a hang or a huge allocation', async () => {
    await fc.assert(
      fc.asyncProperty(header, fc.option(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { freq: 8 }), async (h, declared) => {
        const bytes = withHeader(h, declared ?? undefined);
        try {
          const file = await readSafetensors(bytesSource(bytes, 'fuzzed.safetensors'));
          const source = hfTensorSource([file]);
          for (const name of source.entries.keys()) await source.read(name);
          for (const t of file.tensors.values()) expect(t.byteLength).toBeLessThanOrEqual(64);
        } catch (e) {
          expect(e).toMatchObject({ name: 'LlamitaError' });
        }
      }),
      { seed: 18, numRuns: 1_000 },
    );
  });

  it('the valid file the generator starts from reads (so refusals are not the only outcome)', async () => {
    const valid = concatBytes(serializeSafetensors([{ name: 'model.norm.weight', dtype: 'f32', shape: [4], data: new Uint8Array(16) }]));
    expect((await readSafetensors(bytesSource(valid, 'x.safetensors'))).tensors.get('model.norm.weight')).toMatchObject({ byteLength: 16 });
  });
});
