import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JSON_SCHEMA_LIMITS, JsonConstraint, type JsonSchema } from './json-schema.js';

/** Compiles and reports 'ok' or the error code (or what an untyped error was). */
function compileOutcome(schema: unknown): string {
  try {
    JsonConstraint.fromSchema(schema as JsonSchema);
    return 'ok';
  } catch (e) {
    return (e as { code?: string }).code ?? `untyped: ${String(e)}`;
  }
}

function nested(levels: number, key: 'items' | 'properties'): JsonSchema {
  let schema: JsonSchema = { type: 'string' };
  for (let i = 0; i < levels; i++) schema = key === 'items' ? { type: 'array', items: schema } : { type: 'object', properties: { a: schema } };
  return schema;
}

describe('hostile JSON schemas are refused with a typed error or bounded', () => {
  it('refuses nesting beyond the depth bound (100,000 levels, no stack overflow) and takes it up to the bound', () => {
    expect(compileOutcome(nested(100_000, 'items'))).toBe('E_INVALID_ARGUMENT');
    expect(compileOutcome(nested(100_000, 'properties'))).toBe('E_INVALID_ARGUMENT');
    expect(compileOutcome(nested(JSON_SCHEMA_LIMITS.depth, 'items'))).toBe('ok');
    const deepDocument = `${'['.repeat(JSON_SCHEMA_LIMITS.depth)}"x"${']'.repeat(JSON_SCHEMA_LIMITS.depth)}`;
    expect(JsonConstraint.fromSchema(nested(JSON_SCHEMA_LIMITS.depth, 'items')).advance(deepDocument)?.complete).toBe(true);
  });

  it('refuses a schema that contains itself, and $ref', () => {
    const loop: { type: string; items?: unknown } = { type: 'array' };
    loop.items = loop;
    expect(compileOutcome(loop)).toBe('E_INVALID_ARGUMENT');
    const enumLoop: unknown[] = [];
    enumLoop.push(enumLoop);
    expect(compileOutcome({ enum: [enumLoop] })).toBe('E_INVALID_ARGUMENT');
    expect(compileOutcome({ type: 'object', properties: { next: { $ref: '#' } } })).toBe('E_INVALID_ARGUMENT');
  });

  it('refuses a million enum values, a million properties and enum texts over the bound, quickly', () => {
    const started = performance.now();
    expect(compileOutcome({ enum: Array.from({ length: 1_000_000 }, (_, i) => i) })).toBe('E_INVALID_ARGUMENT');
    const props = Object.fromEntries(Array.from({ length: 1_000_000 }, (_, i) => [`p${i}`, { type: 'string' }]));
    expect(compileOutcome({ type: 'object', properties: props })).toBe('E_INVALID_ARGUMENT');
    expect(compileOutcome({ enum: ['x'.repeat(JSON_SCHEMA_LIMITS.enumChars)] })).toBe('E_INVALID_ARGUMENT');
    expect(compileOutcome({ enum: Array.from({ length: 9_000 }, (_, i) => `v${i}`) })).toBe('ok');
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it('any JSON value as a schema compiles or fails typed; a compiled one takes any text without throwing (fast-check, seeded)', () => {
    const schemaLike = fc.letrec<{ schema: unknown }>((tie) => ({
      schema: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.anything(),
        fc.record(
          {
            type: fc.oneof(fc.constantFrom('object', 'array', 'string', 'integer', 'number', 'boolean', 'null', 'date'), fc.array(fc.constantFrom('string', 'null', 7)), fc.anything()),
            properties: fc.oneof(fc.dictionary(fc.string({ maxLength: 4 }), tie('schema'), { maxKeys: 4 }), fc.anything()),
            required: fc.oneof(fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }), fc.anything()),
            items: tie('schema'),
            enum: fc.oneof(fc.array(fc.jsonValue(), { maxLength: 5 }), fc.anything()),
            nullable: fc.anything(),
          },
          { requiredKeys: [] },
        ),
      ),
    })).schema;
    fc.assert(
      fc.property(schemaLike, fc.oneof(fc.json(), fc.string()), (schema, text) => {
        const outcome = compileOutcome(schema);
        expect(['ok', 'E_INVALID_ARGUMENT']).toContain(outcome);
        if (outcome === 'ok') JsonConstraint.fromSchema(schema as JsonSchema).advance(text);
      }),
      { seed: 18, numRuns: 2_000 },
    );
  });
});
