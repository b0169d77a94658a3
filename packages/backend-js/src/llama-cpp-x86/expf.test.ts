import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expF32 } from './ggml-float.js';

// glibc's own expf results (tools/glibc-reference/libm.py): 400 inputs where it is an ulp from the correctly rounded f32, 400 others, the edges
const golden = JSON.parse(readFileSync(new URL('../goldens/glibc-expf.json', import.meta.url), 'utf8')) as { cases: [number, number | 'Infinity'][] };

describe('expF32', () => {
  it('gives glibc’s expf bit for bit, where it is not correctly rounded too', () => {
    const wrong = golden.cases.filter(([x, want]) => !Object.is(expF32(x), want === 'Infinity' ? Infinity : want));
    expect(wrong).toEqual([]);
    expect(golden.cases.length).toBeGreaterThan(800);
  });

  it('is NaN for NaN', () => {
    expect(expF32(NaN)).toBeNaN();
  });
});
