/** A token with its log-probability. */
export interface TokenLogprob {
  /** Token id. */
  readonly id: number;
  /** Natural log of its probability. */
  readonly logprob: number;
}

/**
 * Log-probabilities from a logits row `[vocab]` (the model's own distribution,
 * before any sampling setting reshapes it): the one of `chosen` and the `top`
 * most likely tokens, most likely first (ties by lower id).
 */
export function logprobsOf(logits: Float32Array, chosen: number, top: number): { logprob: number; top: TokenLogprob[] } {
  let max = -Infinity;
  for (const x of logits) if (x > max) max = x;
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  const logZ = max + Math.log(sum);
  const best: TokenLogprob[] = [];
  if (top > 0) {
    // one pass keeping the `top` largest in order: top is small (at most 20)
    for (let id = 0; id < logits.length; id++) {
      const x = logits[id]!;
      if (best.length === top && x <= best[top - 1]!.logprob) continue;
      let at = best.length;
      while (at > 0 && best[at - 1]!.logprob < x) at--;
      best.splice(at, 0, { id, logprob: x });
      if (best.length > top) best.pop();
    }
  }
  return { logprob: logits[chosen]! - logZ, top: best.map(({ id, logprob }) => ({ id, logprob: logprob - logZ })) };
}
