import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderChatTemplate } from './chat.js';

const messages = [
  { role: 'user', content: 'Hi!' },
  { role: 'assistant', content: 'Hello.' },
];

/** Renders and returns the error code, or 'ok' with the output length. */
function outcome(template: string): string {
  try {
    return `ok:${renderChatTemplate(template, messages).length}`;
  } catch (e) {
    return (e as { code?: string }).code ?? `untyped: ${String(e)}`;
  }
}

describe('hostile chat templates stop within bounds with a typed error', () => {
  const hostile: Record<string, string> = {
    'a loop over range(10**9)': '{% for i in range(1000000000) %}x{% endfor %}',
    'nested loops of a billion steps': '{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}',
    'a string doubled 64 times': "{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
    'a list doubled 64 times': '{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|length }}',
    'a macro that calls itself forever': '{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}',
    'mutual recursion': '{% macro a(n) %}{{ b(n) }}{% endmacro %}{% macro b(n) %}{{ a(n) }}{% endmacro %}{{ a(0) }}',
    'a huge indent width': "{{ 'a\\nb'|indent(500000000) }}",
    'a computed indent width': "{% set w = 10 ** 9 %}{{ 'a\\nb'|indent(w) }}",
    'a huge tojson indent': '{{ messages|tojson(indent=400000000) }}',
    'a messages loop that copies the conversation per step':
      "{% set ns = namespace(s='') %}{% for i in range(99999) %}{% for m in messages %}{% set ns.s = ns.s ~ ns.s ~ m.content %}{% endfor %}{% endfor %}{{ ns.s }}",
    'deeply nested parentheses': `{{ ${'('.repeat(20000)}1${')'.repeat(20000)} }}`,
  };
  it.each(Object.entries(hostile))('%s', (_name, template) => {
    const started = performance.now();
    expect(outcome(template)).toBe('E_BAD_FILE');
    // bounded by the guard's steps (the 5 s deadline is a backstop for a loaded machine)
    expect(performance.now() - started).toBeLessThan(15_000);
  });

  it('still renders the padding filters with small literal widths, and long conversations', () => {
    expect(renderChatTemplate("{{ 'a\\nb'|indent(2, first=true) }}", messages)).toBe('  a\n  b');
    expect(renderChatTemplate('{{ messages[0]|tojson(indent=2) }}', messages)).toBe('{\n  "role": "user",\n  "content": "Hi!"\n}');
    const long = [{ role: 'user', content: 'word '.repeat(600_000) }];
    expect(renderChatTemplate('{% for m in messages %}{{ m.content ~ m.content }}{% endfor %}', long)).toHaveLength(6_000_000);
  });

  it('random templates from hostile pieces render or fail typed, within bounds (fast-check, seeded)', () => {
    const count = fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constantFrom(100000, 1000000000, -5));
    const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
      e: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constantFrom("'x'", 'messages[0].content', 'ns.s', 'ns.l|length', '1', 'messages|length', 'loop_missing'),
        fc.tuple(tie('e'), fc.constantFrom(' ~ ', ' + ', ' * ', ' ** '), tie('e')).map(([a, op, b]) => `(${a}${op}${b})`),
        tie('e').map((a) => `${a}|string|upper`),
        fc.tuple(tie('e'), count).map(([a, n]) => `(${a}|string)[:${n}]`),
      ),
    })).e;
    const stmt: fc.Arbitrary<string> = fc.letrec<{ s: string }>((tie) => ({
      s: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        expr.map((e) => `{{ ${e} }}`),
        expr.map((e) => `{% set ns.s = ns.s ~ ${e} %}`),
        fc.constant('{% set ns.l = ns.l + ns.l %}'),
        fc.tuple(count, fc.array(tie('s'), { maxLength: 3 })).map(([n, body]) => `{% for i in range(${n}) %}${body.join('')}{% endfor %}`),
        fc.array(tie('s'), { maxLength: 3 }).map((body) => `{% macro r(n) %}${body.join('')}{{ r(n) }}{% endmacro %}{{ r(0) }}`),
        fc.tuple(expr, fc.array(tie('s'), { maxLength: 3 })).map(([e, body]) => `{% if ${e} %}${body.join('')}{% endif %}`),
      ),
    })).s;
    const template = fc.array(stmt, { minLength: 1, maxLength: 4 }).map((body) => `{% set ns = namespace(s='ab', l=[1, 2]) %}${body.join('')}`);
    fc.assert(
      fc.property(template, (t) => {
        const result = outcome(t);
        expect(result.startsWith('ok:') || result === 'E_BAD_FILE' || result === 'E_INVALID_ARGUMENT').toBe(true);
        if (result.startsWith('ok:')) expect(Number(result.slice(3))).toBeLessThanOrEqual(1 << 20);
      }),
      { seed: 18, numRuns: 300 },
    );
  });
});
