import { LlamitaError } from '@llamita/core';
import type { Engine } from './engine.js';

/** Natural-log softmax probability of `target` in a logits row. */
export function logProb(logits: Float32Array, offset: number, vocab: number, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i]!);
  let sum = 0;
  for (let i = 0; i < vocab; i++) sum += Math.exp(logits[offset + i]! - max);
  return logits[offset + target]! - max - Math.log(sum);
}

/** Running state of {@link perplexity}, reported after each chunk. */
export interface PerplexityProgress {
  /** Chunks done. */
  readonly chunk: number;
  /** Chunks in all. */
  readonly chunks: number;
  /** Perplexity over the chunks done. */
  readonly ppl: number;
}

/** Result of {@link perplexity}. */
export interface PerplexityResult {
  /** exp(mean negative log-likelihood) over all scored tokens. */
  readonly ppl: number;
  /** Chunks evaluated. */
  readonly chunks: number;
  /** Tokens scored. */
  readonly tokens: number;
}

/**
 * Perplexity as llama.cpp's perplexity tool computes it: the text is tokenized
 * with BOS, cut into non-overlapping chunks of `ctx` tokens, each chunk's first
 * token replaced by BOS and evaluated from an empty cache, and the second half
 * of each chunk scored.
 * @throws LlamitaError `E_INVALID_ARGUMENT` when the text has fewer than 2*ctx tokens.
 */
export async function perplexity(engine: Engine, text: string, ctx: number, onChunk?: (p: PerplexityProgress) => void): Promise<PerplexityResult> {
  const tokens = engine.tokenizer.encode(text, { addBos: true });
  const chunks = Math.floor(tokens.length / ctx);
  if (!Number.isInteger(ctx) || ctx < 4 || chunks < 2 || ctx > engine.model.contextSize) {
    throw new LlamitaError(
      'E_INVALID_ARGUMENT',
      `perplexity needs at least 2*ctx tokens and ctx within the context size: the text has ${tokens.length} tokens, ctx is ${ctx}, context size ${engine.model.contextSize}`,
    );
  }
  const vocab = engine.model.config.vocabSize;
  const bos = engine.tokenizer.vocab.bos;
  const first = ctx >> 1;
  let nll = 0;
  let count = 0;
  for (let c = 0; c < chunks; c++) {
    const chunk = tokens.slice(c * ctx, (c + 1) * ctx);
    if (engine.tokenizer.vocab.addBos && bos !== undefined) chunk[0] = bos;
    engine.model.reset();
    const logits = await engine.model.evaluate(chunk, 'all');
    // logits at position j predict token j+1; score j in [first, ctx-2]
    for (let j = first; j < ctx - 1; j++) {
      nll -= logProb(logits, j * vocab, vocab, tokens[c * ctx + j + 1]!);
      count++;
    }
    onChunk?.({ chunk: c + 1, chunks, ppl: Math.exp(nll / count) });
  }
  return { ppl: Math.exp(nll / count), chunks, tokens: count };
}

/** Result of {@link score}. */
export interface ScoreResult {
  /** The ids, BOS included. */
  readonly tokens: number[];
  /** ln p(tokens[i+1] | tokens[0..i]), one fewer than tokens. */
  readonly logprobs: number[];
  /** The most probable id at each of those positions. */
  readonly top1: number[];
}

/**
 * Teacher-forces `input` in one context and scores every next token: text is
 * tokenized with BOS first; ids are used as they are. At most `maxTokens` ids.
 */
export async function score(engine: Engine, input: string | readonly number[], maxTokens = Infinity): Promise<ScoreResult> {
  const all = typeof input === 'string' ? engine.tokenizer.encode(input, { addBos: true }) : [...input];
  const tokens = all.slice(0, Math.max(1, maxTokens));
  const vocab = engine.model.config.vocabSize;
  engine.model.reset();
  const logits = await engine.model.evaluate(tokens, 'all');
  const logprobs: number[] = [];
  const top1: number[] = [];
  for (let j = 0; j + 1 < tokens.length; j++) {
    logprobs.push(logProb(logits, j * vocab, vocab, tokens[j + 1]!));
    let best = 0;
    for (let i = 1; i < vocab; i++) if (logits[j * vocab + i]! > logits[j * vocab + best]!) best = i;
    top1.push(best);
  }
  return { tokens, logprobs, top1 };
}
