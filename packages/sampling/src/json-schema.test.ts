import { describe, expect, it } from 'vitest';
import { JsonConstraint, type JsonSchema } from './json-schema.js';

const person: JsonSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    age: { type: 'integer' },
    score: { type: 'number' },
    tags: { type: 'array', items: { type: 'string' } },
    role: { enum: ['admin', 'user'] },
    active: { type: 'boolean' },
    note: { type: ['string', 'null'] },
  },
  required: ['name', 'age'],
};

const accepts = (schema: JsonSchema | true, text: string) => {
  const c = JsonConstraint.fromSchema(schema).advance(text);
  return c !== undefined && c.complete;
};

describe('JsonConstraint', () => {
  it('accepts documents that validate', () => {
    expect(accepts(person, '{"name": "Ann", "age": 31}')).toBe(true);
    expect(accepts(person, ' {"age":-2,"name":"B\\"o\\u00e9","tags":["x", "y"],"role":"admin","active":false,"note":null,"score":1.5e3}')).toBe(true);
    expect(accepts(true, '[1, {"a": [true, null, "s"]}, -0.5]')).toBe(true);
    expect(accepts({ type: 'integer' }, '42')).toBe(true);
  });

  it.each([
    ['{"age": 3}', 'missing required name'],
    ['{"name": "A", "age": 1.5}', 'non-integer age'],
    ['{"name": "A", "age": 1, "nick": "x"}', 'unknown property'],
    ['{"name": "A", "age": 1, "role": "root"}', 'value outside the enum'],
    ['{"name": 5, "age": 1}', 'wrong type'],
    ['{"name": "A", "name": "B", "age": 1}', 'repeated property'],
    ['{"name": "A", "age": 01}', 'leading zero'],
    ['{"name": "A", "age": 1,}', 'trailing comma'],
  ])('rejects %s (%s)', (text) => {
    expect(accepts(person, text)).toBe(false);
  });

  it('reports every prefix of a valid document as continuable, and the whole as complete', () => {
    const doc = '{"name":"Zed","age":7,"tags":["a"],"active":true}';
    let c: JsonConstraint | undefined = JsonConstraint.fromSchema(person);
    for (const ch of doc) {
      expect(c!.complete).toBe(false);
      c = c!.advance(ch);
      expect(c).toBeDefined();
    }
    expect(c!.complete).toBe(true);
  });

  it('closes any prefix into a valid document with closingText()', () => {
    const doc = '{"name":"Zed","age":7,"tags":["a\\u00","b"],"role":"us';
    for (let n = 0; n <= doc.length; n++) {
      const c = JsonConstraint.fromSchema(person).advance(doc.slice(0, n));
      if (!c) continue;
      const closed = doc.slice(0, n) + c.closingText();
      expect(accepts(person, closed), closed).toBe(true);
      expect(() => JSON.parse(closed)).not.toThrow();
    }
  });

  it('rejects unsupported schema features with a typed error', () => {
    expect(() => JsonConstraint.fromSchema({ type: 'tuple' })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(() => JsonConstraint.fromSchema({ type: 'object', properties: {}, required: ['x'] })).toThrow(/required property "x"/);
  });
});
