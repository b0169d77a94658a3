import { describe, expect, it } from 'vitest';
import { jsBackend } from '@llamita/backend-js';
import { fileSource } from '@llamita/model/node';
import { JsonConstraint, type JsonSchema } from '@llamita/sampling';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { loadModel } from './engine.js';
import { JsonTokenMask } from './json-mask.js';

const have = fixturesAvailable();
const schema: JsonSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' }, pets: { type: 'array', items: { enum: ['cat', 'dog'] } }, happy: { type: 'boolean' }, note: { type: ['string', 'null'] } },
  required: ['name', 'age', 'happy'],
};

describe.skipIf(!have)(`JSON-constrained generation${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  it.each([
    ['stories260K/stories260K.gguf', 2.0, 40],
    ['stories260K/stories260K.gguf', 1.0, 34],
    ['quant/q-Q4_K_M.gguf', 5.0, 45],
  ])('%s at temperature %d with %i tokens: every seed gives a document that parses and validates', async (model, temperature, maxTokens) => {
    const engine = await loadModel(await fileSource(fixturePath(model)), { backend: jsBackend, contextSize: 128 });
    for (let seed = 0; seed < 4; seed++) {
      let text = '';
      for await (const step of engine.generate('Once upon a time', { json: schema, temperature, seed, maxTokens, topK: 0, topP: 1, minP: 0 })) text += step.text;
      expect(engine.stats.generatedTokens).toBeLessThanOrEqual(maxTokens);
      expect(() => JSON.parse(text), text).not.toThrow();
      const doc = JsonConstraint.fromSchema(schema).advance(text);
      expect(doc?.complete, text).toBe(true);
    }
    engine.dispose();
  });

  it('refuses a token budget too small for the shortest valid document', async () => {
    const engine = await loadModel(await fileSource(fixturePath('stories260K/stories260K.gguf')), { backend: jsBackend, contextSize: 64 });
    await expect(engine.generate('', { json: schema, maxTokens: 10 }).next()).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    engine.dispose();
  });

  it('the token mask allows exactly the tokens whose text continues the document (checked one by one)', async () => {
    const engine = await loadModel(await fileSource(fixturePath('stories260K/stories260K.gguf')), { backend: jsBackend, contextSize: 16 });
    const mask = new JsonTokenMask(engine.tokenizer);
    const utf8 = new TextDecoder('utf-8', { fatal: true });
    for (const prefix of ['', '{', '{"na', '{"name": "Bo', '{"name": "Bo\\', '{"name": "x", "age": 4', '{"name": "x", "age": 4, "pets": [', '{"name": "x", "age": 4, "happy": true}']) {
      const c = JsonConstraint.fromSchema(schema).advance(prefix)!;
      const logits = new Float32Array(engine.tokenizer.size);
      mask.apply(logits, c);
      for (let id = 0; id < logits.length; id++) {
        let text = '';
        try {
          text = utf8.decode(engine.tokenizer.tokenBytes(id));
        } catch {
          text = '';
        }
        const expected = id === engine.tokenizer.vocab.eos ? c.complete : text !== '' && c.allows(text);
        expect(logits[id] === 0, `after ${JSON.stringify(prefix)}: token ${id} ${JSON.stringify(text)}`).toBe(expected);
      }
    }
    engine.dispose();
  });

  it('any JSON with json: true', async () => {
    const engine = await loadModel(await fileSource(fixturePath('stories260K/stories260K.gguf')), { backend: jsBackend, contextSize: 64 });
    let text = '';
    for await (const step of engine.generate('', { json: true, temperature: 1.5, seed: 1, maxTokens: 24 })) text += step.text;
    expect(() => JSON.parse(text), text).not.toThrow();
    engine.dispose();
  });
});
