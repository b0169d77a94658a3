import { LlamitaError } from '@llamita/core';
import type { Engine } from 'llamita';
import type { EvalItem } from './item.js';
import { scoreAlternatives, type AlternativeScores, type ScoredSequence } from './loglik.js';

/** How choices are scored: `lm-eval` (0.4: summed log-likelihood of the continuation) or `llama.cpp` (`llama-perplexity --hellaswag`/`--winogrande`: a mean per token). */
export type Scoring = 'lm-eval' | 'llama.cpp';

/** An item's choices, scored. */
export interface ScoredItem {
  /** The item's index in its file. */
  readonly index: number;
  /** The gold choice. */
  readonly gold: number;
  /** Each choice's score: lm-eval's summed log-likelihood, or llama.cpp's mean log-probability. */
  readonly scores: readonly number[];
  /** Whether every scored token of a choice was the argmax (lm-eval's `is_greedy`). */
  readonly greedy: readonly boolean[];
  /** Each choice's text length in characters (Unicode code points), for acc_norm. */
  readonly lengths: readonly number[];
  /** Tokens the model evaluated for the item (the shared prefix once). */
  readonly tokens: number;
}

/** lm-eval 0.4's `_encode_pair`: trailing spaces of the context move to the continuation; the continuation's tokens are those of context + continuation after the context's. */
function lmEvalSequence(engine: Engine, context: string, continuation: string): ScoredSequence {
  const spaces = context.length - context.trimEnd().length;
  const [ctx, cont] = spaces > 0 ? [context.slice(0, -spaces), context.slice(-spaces) + continuation] : [context, continuation];
  const whole = engine.tokenizer.encode(ctx + cont);
  const contextTokens = engine.tokenizer.encode(ctx);
  const tokens = [...contextTokens, ...whole.slice(contextTokens.length)];
  if (tokens.length <= contextTokens.length) throw new LlamitaError('E_INVALID_ARGUMENT', `the continuation ${JSON.stringify(continuation)} has no tokens of its own`);
  return { tokens, from: contextTokens.length, to: tokens.length };
}

/** lm-eval: each choice's continuation log-likelihood summed. */
async function scoreLmEval(engine: Engine, item: EvalItem): Promise<ScoredItem> {
  const sequences = item.requests.map((r) => lmEvalSequence(engine, r.context, r.continuation));
  return scoredItem(item, await scoreAlternatives(engine, sequences), (sum) => sum);
}

/** The item's record from its choices' token scores; `combine` turns a choice's summed log-probability and token count into its score. */
function scoredItem(item: EvalItem, { scores, evaluated }: AlternativeScores, combine: (sum: number, count: number) => number): ScoredItem {
  return {
    index: item.index,
    gold: item.gold,
    scores: scores.map((s) =>
      combine(
        s.logprobs.reduce((a, b) => a + b, 0),
        s.logprobs.length,
      ),
    ),
    greedy: scores.map((s) => s.greedy.every(Boolean)),
    lengths: item.choiceTexts.map((t) => [...t].length),
    tokens: evaluated,
  };
}

/** Length of the longest common prefix of token sequences. */
function commonPrefix(sequences: readonly (readonly number[])[]): number {
  let n = 0;
  while (sequences.every((s) => n < s.length && s[n] === sequences[0]![n])) n++;
  return n;
}

/** llama.cpp's minimum of tokens after the common prefix for WinoGrande to score only what follows the option (`k_min_trailing_ctx`). */
const MIN_TRAILING = 3;

/**
 * llama.cpp's rules (examples/perplexity): HellaSwag scores each ending by
 * the mean log-probability of the tokens of `BOS context + " " + ending` after
 * the prefix common to all four; WinoGrande scores each filled-in sentence by
 * the mean over the tokens after the option (after the common prefix when
 * either has at most 3 tokens past it), leaving out the last token when more
 * than one is scored.
 */
async function scoreLlamaCpp(engine: Engine, item: EvalItem, task: string): Promise<ScoredItem> {
  const encode = (text: string) => engine.tokenizer.encode(text);
  let sequences: ScoredSequence[];
  if (task === 'hellaswag') {
    const all = item.requests.map((r) => encode(r.context + r.continuation));
    const shared = commonPrefix(all);
    sequences = all.map((tokens) => ({ tokens, from: shared, to: tokens.length }));
  } else if (task === 'winogrande' && item.filled) {
    const { sentences, upToOption } = item.filled;
    const all = sentences.map(encode);
    const shared = commonPrefix(all);
    const trailingEnough = all.every((t) => t.length - shared > MIN_TRAILING);
    sequences = all.map((tokens, k) => {
      const base = trailingEnough ? encode(upToOption[k]!).length : shared;
      const last = tokens.length - base > 1 ? 1 : 0;
      return { tokens, from: base, to: tokens.length - last };
    });
  } else {
    throw new LlamitaError('E_INVALID_ARGUMENT', `llama.cpp scores only hellaswag and winogrande, not ${task}`);
  }
  return scoredItem(item, await scoreAlternatives(engine, sequences), (sum, count) => sum / count);
}

/** Scores one item the way `scoring` says. */
export function scoreItem(engine: Engine, item: EvalItem, task: string, scoring: Scoring): Promise<ScoredItem> {
  return scoring === 'lm-eval' ? scoreLmEval(engine, item) : scoreLlamaCpp(engine, item, task);
}
