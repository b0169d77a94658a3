import { describe, expect, it } from 'vitest';
import { Prng } from './prng.js';
import { greedy, sampleToken } from './samplers.js';

const logitsFrom = (probs: number[]) => Float32Array.from(probs, (p) => Math.log(p));

describe('Prng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const seqA = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(seqA);
  });

  it('gives uniform floats in [0, 1) (mean and variance of 100,000 draws)', () => {
    const rng = new Prng(7);
    const xs = Array.from({ length: 100_000 }, () => rng.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
  });
});

describe('sampleToken', () => {
  const logits = Float32Array.from([0.1, 2.5, -1, 2.4, 0.7]);

  it('temperature 0, top-k 1 and min-p near 1 all equal greedy', () => {
    const rng = new Prng(1);
    expect(greedy(logits)).toBe(1);
    for (let i = 0; i < 50; i++) {
      expect(sampleToken(logits, rng, { temperature: 0 })).toBe(1);
      expect(sampleToken(logits, rng, { temperature: 1.5, topK: 1 })).toBe(1);
      expect(sampleToken(logits, rng, { temperature: 1, topK: 0, topP: 1, minP: 0.999 })).toBe(1);
    }
  });

  it('draws match the softmax probabilities (chi-square over 100,000 seeded draws)', () => {
    const probs = [0.5, 0.25, 0.15, 0.07, 0.03];
    const rng = new Prng(12345);
    const counts = new Array(probs.length).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) counts[sampleToken(logitsFrom(probs), rng, { temperature: 1, topK: 0, topP: 1, minP: 0 })]++;
    const chi2 = probs.reduce((s, p, i) => s + (counts[i] - n * p) ** 2 / (n * p), 0);
    // 4 degrees of freedom: the 99.9th percentile is 18.47
    expect(chi2).toBeLessThan(18.47);
  });

  it('top-k and top-p keep exactly the tokens they should', () => {
    const probs = [0.4, 0.3, 0.2, 0.1];
    const rng = new Prng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(sampleToken(logitsFrom(probs), rng, { temperature: 1, topK: 2, topP: 1, minP: 0 }));
    expect([...seen].sort()).toEqual([0, 1]);
    seen.clear();
    // top-p 0.85: 0.4 + 0.3 + 0.2 = 0.9 is the shortest prefix reaching it
    for (let i = 0; i < 2000; i++) seen.add(sampleToken(logitsFrom(probs), rng, { temperature: 1, topK: 0, topP: 0.85, minP: 0 }));
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });

  it('the same seed gives the same tokens', () => {
    const run = (seed: number) => {
      const rng = new Prng(seed);
      return Array.from({ length: 20 }, () => sampleToken(logits, rng, { temperature: 1 }));
    };
    expect(run(9)).toEqual(run(9));
  });

  it('rejects a negative temperature and empty logits with typed errors', () => {
    expect(() => sampleToken(logits, new Prng(0), { temperature: -1 })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(() => sampleToken(new Float32Array(0), new Prng(0))).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });
});
