import { LlamitaError } from '@llamita/core';
import type { Engine } from 'llamita';

/** The log-probability of each scored token of one sequence, and whether each was the argmax. */
export interface TokenScores {
  /** Natural-log probability of each scored token given the tokens before it. */
  readonly logprobs: readonly number[];
  /** Whether each scored token was the most likely one. */
  readonly greedy: readonly boolean[];
}

/** The scores of an item's alternatives, and how many tokens the model evaluated for them. */
export interface AlternativeScores {
  /** One entry per sequence, in order. */
  readonly scores: readonly TokenScores[];
  /** Tokens evaluated: the shared prefix once, then each sequence's rest. */
  readonly evaluated: number;
}

/** One token sequence and the positions in it to score (`from` inclusive to `to` exclusive). */
export interface ScoredSequence {
  /** Token ids, BOS first where the model takes one. */
  readonly tokens: readonly number[];
  /** First position scored (≥ 1: a token is scored from the logits before it). */
  readonly from: number;
  /** End of the scored positions. */
  readonly to: number;
}

/**
 * Scores sequences that are alternatives of one item: their longest common
 * prefix (up to the first scored position) is evaluated once, then each
 * sequence's rest from the cached prefix, reading logits only where needed.
 * Sequences longer than the context are cut on the left, as lm-eval does.
 * @throws LlamitaError `E_INVALID_ARGUMENT` for a sequence that scores nothing.
 */
export async function scoreAlternatives(engine: Engine, sequences: readonly ScoredSequence[]): Promise<AlternativeScores> {
  const { model } = engine;
  // the model sees at most contextSize tokens: the last token is only predicted, never evaluated
  const cut = sequences.map((s) => {
    const drop = Math.max(0, s.tokens.length - 1 - model.contextSize);
    if (s.from < 1 || s.to <= s.from || s.to > s.tokens.length) throw new LlamitaError('E_INVALID_ARGUMENT', `nothing to score in positions [${s.from}, ${s.to}) of ${s.tokens.length} tokens`);
    return { tokens: s.tokens.slice(drop), from: Math.max(1, s.from - drop), to: s.to - drop };
  });
  let shared = Math.min(...cut.map((s) => s.from - 1));
  for (let i = 0; i < shared; i++) {
    if (!cut.every((s) => s.tokens[i] === cut[0]!.tokens[i])) {
      shared = i;
      break;
    }
  }
  model.reset();
  if (shared > 0) await model.prefill(cut[0]!.tokens.slice(0, shared));
  const vocab = model.config.vocabSize;
  // every continuation queued at once (each read keeps its logits as of its call):
  // the log-softmax of one runs on the host while the backend computes the next
  const pending: Promise<Float32Array>[] = [];
  for (const s of cut) {
    model.kv.truncate(shared);
    // rows for positions shared .. to-2: row r predicts the token at shared + r + 1
    const queued = model.evaluateQueued(s.tokens.slice(shared, s.to - 1), 'all');
    // a failed read is thrown where it is awaited below, not left unhandled when an earlier one throws first
    queued.catch(() => {});
    pending.push(queued);
  }
  const scores: TokenScores[] = [];
  let evaluated = shared;
  for (const [i, s] of cut.entries()) {
    evaluated += s.to - 1 - shared;
    const logits = await pending[i]!;
    const logprobs: number[] = [];
    const greedy: boolean[] = [];
    for (let j = s.from; j < s.to; j++) {
      const row = logits.subarray((j - 1 - shared) * vocab, (j - shared) * vocab);
      const { logprob, isMax } = logSoftmaxAt(row, s.tokens[j]!);
      logprobs.push(logprob);
      greedy.push(isMax);
    }
    scores.push({ logprobs, greedy });
  }
  return { scores, evaluated };
}

/** log softmax(row)[id], in float64, and whether `id` is the row's argmax. */
function logSoftmaxAt(row: Float32Array, id: number): { logprob: number; isMax: boolean } {
  let max = -Infinity;
  let argmax = 0;
  for (let i = 0; i < row.length; i++) {
    if (row[i]! > max) {
      max = row[i]!;
      argmax = i;
    }
  }
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i]! - max);
  return { logprob: row[id]! - max - Math.log(sum), isMax: argmax === id };
}
