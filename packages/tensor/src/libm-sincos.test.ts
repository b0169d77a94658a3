import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cosF32, sinF32 } from './libm-sincos.js';

// glibc's own sinf and cosf results (tools/glibc-reference/libm.py): 400 inputs each where glibc is an ulp from the correctly rounded f32, 400 others, the edges
const golden = JSON.parse(readFileSync(new URL('./goldens/glibc-sincos.json', import.meta.url), 'utf8')) as Record<'sinf' | 'cosf', [number, number][]>;

describe.each([
  ['sinf', sinF32],
  ['cosf', cosF32],
] as const)('%s', (name, fn) => {
  it('gives glibc’s result bit for bit, where it is not correctly rounded too (small, medium and large arguments, negative ones)', () => {
    const wrong = golden[name].filter(([x, want]) => !Object.is(fn(x), want));
    expect(wrong).toEqual([]);
    expect(golden[name].length).toBeGreaterThan(800);
  });

  it('is NaN for infinities and NaN', () => {
    for (const x of [Infinity, -Infinity, NaN]) expect(fn(x)).toBeNaN();
  });
});
