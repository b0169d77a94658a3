import { LlamitaError } from '@llamita/core';
import type { Candidates } from './candidates.js';
import type { Prng } from './prng.js';

/** What a sampler sees besides the candidates. */
export interface SamplerContext {
  /** Tokens generated or given so far, oldest first. */
  readonly history: readonly number[];
  /** The chain's seeded generator. */
  readonly rng: Prng;
}

/**
 * One link of a sampler chain. It narrows or reweights the candidates in
 * place; a selecting sampler (greedy, dist, mirostat) returns the chosen id.
 */
export interface Sampler {
  /** Name, as in llama.cpp's sampler list. */
  readonly name: string;
  /** Transforms the candidates, or picks a token. */
  apply(c: Candidates, ctx: SamplerContext): number | void;
}

/** Picks the highest logit (the first on ties). */
export const greedySampler = (): Sampler => ({
  name: 'greedy',
  apply(c) {
    let best = 0;
    for (let i = 1; i < c.size; i++) if (c.logits[i]! > c.logits[best]! || (c.logits[i] === c.logits[best] && c.ids[i]! < c.ids[best]!)) best = i;
    return c.ids[best]!;
  },
});

/** Draws from the softmax of the live candidates with the chain's PRNG. */
export const distSampler = (): Sampler => ({
  name: 'dist',
  apply(c, { rng }) {
    c.softmax();
    let r = rng.next();
    for (let i = 0; i < c.size; i++) {
      r -= c.probs[i]!;
      if (r < 0) return c.ids[i]!;
    }
    return c.ids[c.size - 1]!;
  },
});

/** Divides logits by `t`; `t <= 0` keeps only the maximum (greedy), as llama.cpp. */
export const temperatureSampler = (t: number): Sampler => ({
  name: 'temperature',
  apply(c) {
    if (t <= 0) {
      c.keepTop(1);
      return;
    }
    for (let i = 0; i < c.size; i++) c.logits[i] = c.logits[i]! / t;
  },
});

/** Keeps the `k` most likely tokens (k <= 0: all). */
export const topKSampler = (k: number): Sampler => ({
  name: 'top_k',
  apply(c) {
    if (k > 0) c.keepTop(Math.max(1, k));
  },
});

/** Keeps the smallest prefix of most likely tokens whose probability reaches `p` (p >= 1: all). */
export const topPSampler = (p: number, minKeep = 1): Sampler => ({
  name: 'top_p',
  apply(c) {
    if (p >= 1) return;
    c.sort();
    c.softmax();
    let cum = 0;
    let keep = c.size;
    for (let i = 0; i < c.size; i++) {
      cum += c.probs[i]!;
      if (cum >= p && i + 1 >= minKeep) {
        keep = i + 1;
        break;
      }
    }
    c.size = keep;
  },
});

/** Drops tokens whose probability is below `p` times the most likely one's (p <= 0: none). */
export const minPSampler = (p: number, minKeep = 1): Sampler => ({
  name: 'min_p',
  apply(c) {
    if (p <= 0) return;
    c.sort();
    // in logit space: keep logit >= max + ln(p)
    const floor = c.logits[0]! + Math.log(p);
    let keep = 0;
    while (keep < c.size && (c.logits[keep]! >= floor || keep < minKeep)) keep++;
    c.size = keep;
  },
});

/**
 * Locally typical sampling: keeps the tokens whose surprise is closest to the
 * distribution's entropy, until their probability reaches `p` (p >= 1: all).
 */
export const typicalSampler = (p: number, minKeep = 1): Sampler => ({
  name: 'typical',
  apply(c) {
    if (p >= 1) return;
    c.softmax();
    let entropy = 0;
    for (let i = 0; i < c.size; i++) if (c.probs[i]! > 0) entropy -= c.probs[i]! * Math.log(c.probs[i]!);
    const order = Array.from({ length: c.size }, (_, i) => i).sort((a, b) => Math.abs(-Math.log(c.probs[a]!) - entropy) - Math.abs(-Math.log(c.probs[b]!) - entropy));
    let cum = 0;
    const kept = new Set<number>();
    for (const i of order) {
      kept.add(i);
      cum += c.probs[i]!;
      if (cum >= p && kept.size >= minKeep) break;
    }
    c.filter((i) => kept.has(i));
    c.sorted = false;
  },
});

/** Options of {@link penaltiesSampler}; llama.cpp's meanings. */
export interface PenaltyOptions {
  /** Last tokens considered (0: none, -1: all). */
  readonly lastN: number;
  /** Divides positive logits and multiplies negative ones of seen tokens (1: off). */
  readonly repeat: number;
  /** Subtracted once per seen token (0: off). */
  readonly presence: number;
  /** Subtracted per occurrence (0: off). */
  readonly frequency: number;
}

/** Repetition, presence and frequency penalties over the last `lastN` tokens, as llama.cpp's penalties sampler. */
export const penaltiesSampler = (o: PenaltyOptions): Sampler => ({
  name: 'penalties',
  apply(c, { history }) {
    if (o.lastN === 0 || (o.repeat === 1 && o.presence === 0 && o.frequency === 0)) return;
    const window = o.lastN < 0 ? history : history.slice(-o.lastN);
    const counts = new Map<number, number>();
    for (const t of window) counts.set(t, (counts.get(t) ?? 0) + 1);
    for (const [token, n] of counts) {
      const i = c.indexOf(token);
      if (i < 0) continue;
      const l = c.logits[i]!;
      c.logits[i] = (l <= 0 ? l * o.repeat : l / o.repeat) - n * o.frequency - o.presence;
    }
    c.sorted = false;
  },
});

/** Adds a bias to given tokens' logits (`-Infinity` bans a token). */
export const logitBiasSampler = (bias: ReadonlyMap<number, number>): Sampler => ({
  name: 'logit_bias',
  apply(c) {
    for (const [token, b] of bias) {
      const i = c.indexOf(token);
      if (i >= 0) c.logits[i] = c.logits[i]! + b;
    }
    c.sorted = false;
  },
});

/**
 * XTC ("exclude top choices"): with probability `probability`, when two or
 * more tokens reach `threshold`, removes all of them but the least likely.
 */
export const xtcSampler = (probability: number, threshold: number, minKeep = 1): Sampler => ({
  name: 'xtc',
  apply(c, { rng }) {
    if (probability <= 0 || threshold > 0.5) return;
    if (rng.next() >= probability) return;
    c.sort();
    c.softmax();
    let above = 0;
    while (above < c.size && c.probs[above]! >= threshold) above++;
    if (above < 2 || c.size - (above - 1) < minKeep) return;
    const drop = above - 1;
    c.filter((i) => i >= drop);
  },
});

/** Options of {@link drySampler}; llama.cpp's meanings. */
export interface DryOptions {
  /** Penalty scale (0: off). */
  readonly multiplier: number;
  /** Growth of the penalty per extra repeated token. */
  readonly base: number;
  /** Repeats up to this length are free. */
  readonly allowedLength: number;
  /** Last tokens searched (-1: all). */
  readonly lastN: number;
  /** Whether a token breaks repeated sequences (its text holds a breaker such as a newline). */
  readonly isBreaker: (token: number) => boolean;
}

/**
 * DRY ("don't repeat yourself"): a token that would extend a sequence already
 * seen in the context, longer than `allowedLength`, gets
 * `multiplier * base^(length - allowedLength)` subtracted from its logit.
 */
export const drySampler = (o: DryOptions): Sampler => ({
  name: 'dry',
  apply(c, { history }) {
    if (o.multiplier <= 0) return;
    const h = o.lastN < 0 ? history : history.slice(-o.lastN);
    const end = h.length - 1;
    if (end < 1) return;
    // for each earlier occurrence, how long the text before it matches the current tail
    const longest = new Map<number, number>();
    for (let j = end - 1; j >= 0; j--) {
      let n = 0;
      while (j - n >= 0 && h[j - n] === h[end - n] && !o.isBreaker(h[j - n]!) && end - n > j) n++;
      if (n === 0) continue;
      const next = h[j + 1]!;
      if (o.isBreaker(next)) continue;
      longest.set(next, Math.max(longest.get(next) ?? 0, n));
    }
    for (const [token, n] of longest) {
      const i = c.indexOf(token);
      if (i >= 0 && n >= o.allowedLength) c.logits[i] = c.logits[i]! - o.multiplier * Math.pow(o.base, n - o.allowedLength);
    }
    c.sorted = false;
  },
});

/**
 * Mirostat 2.0: keeps tokens whose surprise (-log2 p) is below `mu`, draws one,
 * then moves `mu` toward the target surprise `tau` by `eta`. Selects the token.
 */
export const mirostatV2Sampler = (tau: number, eta: number): Sampler => {
  let mu = 2 * tau;
  return {
    name: 'mirostat_v2',
    apply(c, { rng }) {
      c.sort();
      c.softmax();
      let keep = 0;
      while (keep < c.size && -Math.log2(c.probs[keep]!) <= mu) keep++;
      c.size = Math.max(1, keep);
      c.softmax();
      let r = rng.next();
      let pick = c.size - 1;
      for (let i = 0; i < c.size; i++) {
        r -= c.probs[i]!;
        if (r < 0) {
          pick = i;
          break;
        }
      }
      mu -= eta * (-Math.log2(c.probs[pick]!) - tau);
      return c.ids[pick]!;
    },
  };
};

/** Checks that a chain's option is within range, naming it otherwise. */
export function checkRange(name: string, value: number, min: number, max = Infinity): number {
  if (!(value >= min && value <= max)) throw new LlamitaError('E_INVALID_ARGUMENT', `${name} must be in [${min}, ${max}], got ${value}`);
  return value;
}
