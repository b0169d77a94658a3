import { LlamitaError } from '@llamita/core';
import type { Engine } from './engine.js';

/** Options of {@link benchmark}. */
export interface BenchmarkOptions {
  /** Prompt length, BOS included (default 128). */
  readonly promptTokens?: number;
  /** Greedy tokens generated after the prompt (default 64). */
  readonly genTokens?: number;
  /** Runs from an empty cache; the medians are reported (default 3). */
  readonly repeats?: number;
  /** Called after each run with its speeds. */
  readonly onRun?: (run: { index: number; prefillTokS: number; decodeTokS: number }) => void;
  /** Called before each phase of each run (profilers reset here). */
  readonly onPhase?: (phase: 'prefill' | 'decode', run: number) => void;
}

/** Prefill and decode speed: medians over the runs, and their [min, max]. */
export interface BenchmarkResult {
  /** Prompt length, BOS included. */
  readonly promptTokens: number;
  /** Tokens decoded per run. */
  readonly genTokens: number;
  /** Runs made. */
  readonly repeats: number;
  /** Median prompt tokens per second (the prompt in one batch). */
  readonly prefillTokS: number;
  /** Median generated tokens per second (greedy, one token per step). */
  readonly decodeTokS: number;
  /** Slowest and fastest prefill run. */
  readonly prefillSpread: readonly [number, number];
  /** Slowest and fastest decode run. */
  readonly decodeSpread: readonly [number, number];
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const round = (x: number) => Math.round(x * 100) / 100;

/**
 * The prompt every benchmark uses: BOS (where the vocabulary has one), then a fixed walk over the
 * vocabulary (ids 3 and up, stepping by a prime), so runs and engines compare.
 */
export function benchmarkPrompt(bos: number | undefined, vocabSize: number, length: number): number[] {
  const ids = Array.from({ length: bos === undefined ? length : length - 1 }, (_, i) => 3 + ((i * 7919) % (vocabSize - 3)));
  return bos === undefined ? ids : [bos, ...ids];
}

/**
 * Measures prefill (the prompt in one batch) and decode (greedy, one token at
 * a time, `genTokens` of them, each step queued before the previous id is
 * read, as generation runs them: `LlamaModel.decode`) speed of an engine, as the median of
 * `repeats` runs, each from an empty cache. Uses the model's context; it must
 * hold `promptTokens + genTokens`.
 * @throws LlamitaError `E_INVALID_ARGUMENT` for counts out of range, `E_CONTEXT_FULL` when the context is too small.
 */
export async function benchmark(engine: Engine, options: BenchmarkOptions = {}): Promise<BenchmarkResult> {
  const { promptTokens = 128, genTokens = 64, repeats = 3 } = options;
  for (const [name, value] of [
    ['promptTokens', promptTokens],
    ['genTokens', genTokens],
    ['repeats', repeats],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new LlamitaError('E_INVALID_ARGUMENT', `${name} must be a positive integer, got ${value}`);
  }
  const prompt = benchmarkPrompt(engine.tokenizer.vocab.bos, engine.model.config.vocabSize, promptTokens);
  const prefill: number[] = [];
  const decode: number[] = [];
  for (let run = 0; run < repeats; run++) {
    engine.model.reset();
    options.onPhase?.('prefill', run);
    let start = performance.now();
    const token = await engine.model.evaluateGreedy(prompt);
    prefill.push(promptTokens / ((performance.now() - start) / 1000));
    options.onPhase?.('decode', run);
    start = performance.now();
    // as generation decodes: one step queued ahead of the id being read
    const steps = engine.model.decode([token]);
    for (let i = 0; i < genTokens; i++) await steps.next();
    decode.push(genTokens / ((performance.now() - start) / 1000));
    await steps.return();
    options.onRun?.({ index: run, prefillTokS: round(prefill[run]!), decodeTokS: round(decode[run]!) });
  }
  return {
    promptTokens,
    genTokens,
    repeats,
    prefillTokS: round(median(prefill)),
    decodeTokS: round(median(decode)),
    prefillSpread: [round(Math.min(...prefill)), round(Math.max(...prefill))],
    decodeSpread: [round(Math.min(...decode)), round(Math.max(...decode))],
  };
}
