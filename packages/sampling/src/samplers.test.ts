import { describe, expect, it } from 'vitest';
import { Candidates } from './candidates.js';
import { SamplerChain } from './chain.js';
import { Prng } from './prng.js';
import { drySampler, penaltiesSampler, xtcSampler } from './samplers.js';
import { StopStringFilter } from './stop.js';

const logitsFrom = (probs: number[]) => Float32Array.from(probs, (p) => Math.log(p));
const only = (o: object) => ({ topK: 0, topP: 1, minP: 0, temperature: 1, ...o });

describe('Prng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const draw = (seed: number) => {
      const r = new Prng(seed);
      return Array.from({ length: 5 }, () => r.nextU32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(43)).not.toEqual(draw(42));
  });
  it('gives uniform floats in [0, 1) (mean and variance of 100,000 draws)', () => {
    const rng = new Prng(7);
    const xs = Array.from({ length: 100_000 }, () => rng.next());
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002);
  });
});

describe('SamplerChain', () => {
  const logits = Float32Array.from([0.1, 2.5, -1, 2.4, 0.7]);

  it('temperature 0, top-k 1 and min-p near 1 all equal greedy', () => {
    for (const o of [{ temperature: 0 }, { temperature: 1.5, topK: 1 }, only({ minP: 0.999 })]) {
      const chain = new SamplerChain({ ...o, seed: 3 });
      for (let i = 0; i < 50; i++) expect(chain.sample(logits)).toBe(1);
    }
  });

  it('draws match the softmax probabilities (chi-square over 100,000 seeded draws)', () => {
    const probs = [0.5, 0.25, 0.15, 0.07, 0.03];
    const chain = new SamplerChain(only({ seed: 12345 }));
    const counts = new Array(probs.length).fill(0);
    const n = 100_000;
    for (let i = 0; i < n; i++) counts[chain.sample(logitsFrom(probs))]++;
    const chi2 = probs.reduce((s, p, i) => s + (counts[i] - n * p) ** 2 / (n * p), 0);
    expect(chi2).toBeLessThan(18.47); // 4 degrees of freedom, 99.9th percentile
  });

  it('temperature reshapes the distribution as softmax(logits / T)', () => {
    const probs = [0.6, 0.3, 0.1];
    const T = 2;
    const target = probs.map((p) => p ** (1 / T));
    const z = target.reduce((a, b) => a + b, 0);
    const chain = new SamplerChain(only({ temperature: T, seed: 5 }));
    const counts = [0, 0, 0];
    const n = 60_000;
    for (let i = 0; i < n; i++) counts[chain.sample(logitsFrom(probs))]!++;
    const chi2 = target.reduce((s, t, i) => s + (counts[i]! - (n * t) / z) ** 2 / ((n * t) / z), 0);
    expect(chi2).toBeLessThan(13.82); // 2 degrees of freedom, 99.9th percentile
  });

  it('top-k, top-p and min-p keep exactly the tokens they should', () => {
    const probs = logitsFrom([0.4, 0.3, 0.2, 0.06, 0.04]);
    const seen = (o: object) => {
      const chain = new SamplerChain(only({ ...o, seed: 1 }));
      const s = new Set<number>();
      for (let i = 0; i < 3000; i++) s.add(chain.sample(probs));
      return [...s].sort();
    };
    expect(seen({ topK: 2 })).toEqual([0, 1]);
    expect(seen({ topP: 0.85 })).toEqual([0, 1, 2]); // 0.4 + 0.3 + 0.2 is the shortest prefix reaching it
    expect(seen({ minP: 0.2 })).toEqual([0, 1, 2]); // 0.06 < 0.2 * 0.4
  });

  it('penalties change exactly the logits of recently seen tokens, as llama.cpp', () => {
    const c = new Candidates(Float32Array.from([2, -2, 1, 3]));
    penaltiesSampler({ lastN: 3, repeat: 2, presence: 0.5, frequency: 0.25 }).apply(c, { history: [3, 0, 1, 1], rng: new Prng(0) });
    // window [0, 1, 1]: token 0 once (positive: /2), token 1 twice (negative: *2); 2 and 3 untouched
    expect([...c.logits]).toEqual([2 / 2 - 0.25 - 0.5, -2 * 2 - 0.5 - 0.5, 1, 3]);
  });

  it('logit bias bans and boosts tokens', () => {
    const chain = new SamplerChain({
      temperature: 0,
      logitBias: new Map([
        [1, -Infinity],
        [4, 5],
      ]),
    });
    expect(chain.sample(logits)).toBe(4);
  });

  it('XTC removes the top choices above the threshold but the least likely of them', () => {
    const c = new Candidates(logitsFrom([0.45, 0.35, 0.15, 0.05]));
    xtcSampler(1, 0.1).apply(c, { history: [], rng: new Prng(0) });
    expect([...c.ids.subarray(0, c.size)]).toEqual([2, 3]);
  });

  it('DRY penalizes the token that would continue a repeated sequence', () => {
    const c = new Candidates(new Float32Array(10));
    // history ... 5 6 7 8 | ... 5 6 7 → 8 would repeat a 3-token run
    drySampler({ multiplier: 1, base: 2, allowedLength: 2, lastN: -1, isBreaker: () => false }).apply(c, { history: [1, 5, 6, 7, 8, 2, 5, 6, 7], rng: new Prng(0) });
    expect(c.logits[8]).toBeCloseTo(-(2 ** (3 - 2)), 6);
    expect([...c.logits].filter((l) => l !== 0)).toHaveLength(1);
  });

  it('Mirostat 2.0 samples and adapts without leaving the candidates', () => {
    const chain = new SamplerChain({ mirostat: 2, temperature: 1, seed: 9 });
    const probs = logitsFrom([0.5, 0.2, 0.1, 0.1, 0.05, 0.05]);
    for (let i = 0; i < 200; i++) expect(chain.sample(probs)).toBeLessThan(6);
  });

  it('the same seed gives the same tokens', () => {
    const run = (seed: number) => {
      const chain = new SamplerChain({ temperature: 1, seed, repeatPenalty: 1.1 });
      return Array.from({ length: 30 }, () => {
        const t = chain.sample(logits);
        chain.accept(t);
        return t;
      });
    };
    expect(run(9)).toEqual(run(9));
  });

  it('rejects bad options with typed errors', () => {
    expect(() => new SamplerChain({ temperature: -1 })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(() => new SamplerChain({ topP: 2 })).toThrow(/topP must be in/);
    expect(() => new SamplerChain({ order: ['nope' as 'top_k'] })).toThrow(/unknown sampler "nope"/);
    expect(() => new SamplerChain().sample(new Float32Array(0))).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
  });

  it('picks from the top 40 on a 32,000-entry vocabulary with the default chain', () => {
    const rng = new Prng(1);
    const big = Float32Array.from({ length: 32000 }, () => rng.normal() * 3);
    const chain = new SamplerChain({ seed: 1, repeatPenalty: 1.1 });
    for (let i = 0; i < 64; i++) chain.accept(i);
    const top40 = new Set([...big.keys()].sort((a, b) => big[b]! - big[a]!).slice(0, 40));
    for (let i = 0; i < 20; i++) expect(top40.has(chain.sample(big))).toBe(true);
  });
});

describe('StopStringFilter', () => {
  it('stops on a stop string split across three tokens and never prints it', () => {
    const f = new StopStringFilter(['<|end|>']);
    const shown = ['Hello', ' world<', '|en', 'd|> trailing'].map((t) => f.push(t));
    expect(shown.join('')).toBe('Hello world');
    expect(f.stopped).toBe(true);
  });
  it('releases held-back text that turns out not to be a stop string', () => {
    const f = new StopStringFilter(['STOP']);
    expect(f.push('a ST')).toBe('a ');
    expect(f.push('ay')).toBe('STay');
    expect(f.push(' S')).toBe(' ');
    expect(f.flush()).toBe('S');
  });
});
