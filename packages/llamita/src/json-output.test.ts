import { describe, expect, it } from 'vitest';
import { jsBackend } from '@llamita/backend-js';
import { fileSource } from '@llamita/model/node';
import { JsonConstraint, type JsonSchema } from '@llamita/sampling';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { loadModel } from './engine.js';

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
  });

  it('refuses a token budget too small for the shortest valid document', async () => {
    const engine = await loadModel(await fileSource(fixturePath('stories260K/stories260K.gguf')), { backend: jsBackend, contextSize: 64 });
    await expect(engine.generate('', { json: schema, maxTokens: 10 }).next()).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
  });

  it('any JSON with json: true', async () => {
    const engine = await loadModel(await fileSource(fixturePath('stories260K/stories260K.gguf')), { backend: jsBackend, contextSize: 64 });
    let text = '';
    for await (const step of engine.generate('', { json: true, temperature: 1.5, seed: 1, maxTokens: 24 })) text += step.text;
    expect(() => JSON.parse(text), text).not.toThrow();
  });
});
