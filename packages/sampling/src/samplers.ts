import { LlamitaError } from '@llamita/core';
import type { Prng } from './prng.js';

/** Index of the largest logit (first on ties), as llama.cpp's greedy sampler. */
export function greedy(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
}

/** Options of {@link sampleToken}; llama.cpp's defaults where it has them. */
export interface SamplingOptions {
  /** 0 means greedy. Default 0.8. */
  readonly temperature?: number;
  /** Keep the k most likely tokens; 0 disables. Default 40. */
  readonly topK?: number;
  /** Keep the smallest set with cumulative probability >= p; 1 disables. Default 0.95. */
  readonly topP?: number;
  /** Drop tokens below minP times the top probability; 0 disables. Default 0.05. */
  readonly minP?: number;
}

/**
 * Draws one token: top-k, then temperature, softmax, top-p and min-p, then a
 * seeded draw. Temperature 0 (or top-k 1) is {@link greedy}.
 * @throws LlamitaError `E_INVALID_ARGUMENT` for negative temperature or empty logits.
 */
export function sampleToken(logits: Float32Array, rng: Prng, options: SamplingOptions = {}): number {
  const { temperature = 0.8, topK = 40, topP = 0.95, minP = 0.05 } = options;
  if (logits.length === 0) throw new LlamitaError('E_INVALID_ARGUMENT', 'cannot sample from empty logits');
  if (!(temperature >= 0)) throw new LlamitaError('E_INVALID_ARGUMENT', `temperature must be >= 0, got ${temperature}`);
  if (temperature === 0 || topK === 1) return greedy(logits);

  // candidates sorted by logit, truncated to top-k
  let ids = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]! || a - b);
  if (topK > 0) ids = ids.slice(0, topK);

  // softmax over logit / temperature
  const max = logits[ids[0]!]! / temperature;
  let probs = ids.map((id) => Math.exp(logits[id]! / temperature - max));
  const total = probs.reduce((a, b) => a + b, 0);
  probs = probs.map((p) => p / total);

  // top-p: keep the shortest prefix reaching p
  let keep = probs.length;
  if (topP < 1) {
    let cum = 0;
    for (let i = 0; i < probs.length; i++) {
      cum += probs[i]!;
      if (cum >= topP) {
        keep = i + 1;
        break;
      }
    }
  }
  // min-p: keep tokens with p >= minP * pmax
  if (minP > 0) {
    const floor = minP * probs[0]!;
    let i = 1;
    while (i < keep && probs[i]! >= floor) i++;
    keep = i;
  }

  const kept = probs.slice(0, keep);
  const mass = kept.reduce((a, b) => a + b, 0);
  let r = rng.next() * mass;
  for (let i = 0; i < keep; i++) {
    r -= kept[i]!;
    if (r < 0) return ids[i]!;
  }
  return ids[keep - 1]!;
}
