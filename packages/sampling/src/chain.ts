import { LlamitaError } from '@llamita/core';
import { Candidates } from './candidates.js';
import { Prng } from './prng.js';
import {
  checkRange,
  distSampler,
  drySampler,
  greedySampler,
  logitBiasSampler,
  minPSampler,
  mirostatV2Sampler,
  penaltiesSampler,
  temperatureSampler,
  topKSampler,
  topPSampler,
  typicalSampler,
  xtcSampler,
  type Sampler,
} from './samplers.js';

/** Names of the configurable links, for {@link SamplingOptions.order}. */
export type SamplerName = 'penalties' | 'dry' | 'top_k' | 'typical' | 'top_p' | 'min_p' | 'xtc' | 'temperature';

/** llama.cpp's default order (common_params_sampling.samplers, with penalties first). */
export const DEFAULT_ORDER: readonly SamplerName[] = ['penalties', 'dry', 'top_k', 'typical', 'top_p', 'min_p', 'xtc', 'temperature'];

/** llama.cpp's defaults of the links that are on by default (common_params_sampling). */
export const SAMPLING_DEFAULTS: {
  /** Temperature. */
  readonly temperature: 0.8;
  /** Top-k. */
  readonly topK: 40;
  /** Top-p. */
  readonly topP: 0.95;
  /** Min-p. */
  readonly minP: 0.05;
} = { temperature: 0.8, topK: 40, topP: 0.95, minP: 0.05 };

/** Sampling options, with llama.cpp's defaults and meanings. */
export interface SamplingOptions {
  /** 0 means greedy. Default 0.8. */
  readonly temperature?: number;
  /** Keep the k most likely tokens; 0 disables. Default 40. */
  readonly topK?: number;
  /** Nucleus sampling; 1 disables. Default 0.95. */
  readonly topP?: number;
  /** Drop tokens below minP times the top probability; 0 disables. Default 0.05. */
  readonly minP?: number;
  /** Locally typical sampling; 1 disables. Default 1. */
  readonly typicalP?: number;
  /** Repetition penalty; 1 disables. Default 1. */
  readonly repeatPenalty?: number;
  /** Tokens the penalties look back over (0 none, -1 all). Default 64. */
  readonly repeatLastN?: number;
  /** Presence penalty. Default 0. */
  readonly presencePenalty?: number;
  /** Frequency penalty. Default 0. */
  readonly frequencyPenalty?: number;
  /** Added to the logits of the given ids. */
  readonly logitBias?: ReadonlyMap<number, number>;
  /** 2 enables Mirostat 2.0 (1 is not supported). Default 0. */
  readonly mirostat?: 0 | 2;
  /** Mirostat target surprise. Default 5. */
  readonly mirostatTau?: number;
  /** Mirostat learning rate. Default 0.1. */
  readonly mirostatEta?: number;
  /** DRY multiplier; 0 disables. Default 0. */
  readonly dryMultiplier?: number;
  /** DRY base. Default 1.75. */
  readonly dryBase?: number;
  /** DRY allowed length. Default 2. */
  readonly dryAllowedLength?: number;
  /** DRY look-back (-1: all). Default -1. */
  readonly dryLastN?: number;
  /** Tokens that break DRY sequences (by default none; the facade passes the tokenizer's). */
  readonly dryIsBreaker?: (token: number) => boolean;
  /** XTC probability; 0 disables. Default 0. */
  readonly xtcProbability?: number;
  /** XTC threshold. Default 0.1. */
  readonly xtcThreshold?: number;
  /** Order of the links (default: llama.cpp's, `DEFAULT_ORDER`). */
  readonly order?: readonly SamplerName[];
}

/**
 * A chain of samplers, as llama.cpp's: logit bias first, then the links in
 * `order`, then a selector (greedy at temperature 0, Mirostat 2.0, or a seeded
 * draw). Same seed and inputs, same tokens, on every platform.
 */
export class SamplerChain {
  /** The links, in order, ending with the selector. */
  readonly samplers: readonly Sampler[];
  private readonly history: number[] = [];
  private readonly rng: Prng;

  /** @param options - sampling options; `seed` makes draws reproducible (default 0) */
  constructor(options: SamplingOptions & { readonly seed?: number } = {}) {
    this.rng = new Prng(options.seed ?? 0);
    this.samplers = buildChain(options);
  }

  /** Remembers a token (generated or from the prompt) for penalties and DRY. */
  accept(token: number): void {
    this.history.push(token);
  }

  /** Picks the next token from a logits row. */
  sample(logits: Float32Array): number {
    if (logits.length === 0) throw new LlamitaError('E_INVALID_ARGUMENT', 'cannot sample from empty logits');
    const c = new Candidates(logits);
    const ctx = { history: this.history, rng: this.rng };
    for (const s of this.samplers) {
      const picked = s.apply(c, ctx);
      if (typeof picked === 'number') return picked;
    }
    throw new LlamitaError('E_INVALID_ARGUMENT', 'the sampler chain has no selector');
  }
}

function buildChain(o: SamplingOptions): Sampler[] {
  const temperature = checkRange('temperature', o.temperature ?? SAMPLING_DEFAULTS.temperature, 0);
  const links: Record<SamplerName, Sampler> = {
    penalties: penaltiesSampler({
      lastN: checkRange('repeatLastN', o.repeatLastN ?? 64, -1),
      repeat: checkRange('repeatPenalty', o.repeatPenalty ?? 1, 0),
      presence: o.presencePenalty ?? 0,
      frequency: o.frequencyPenalty ?? 0,
    }),
    dry: drySampler({
      multiplier: checkRange('dryMultiplier', o.dryMultiplier ?? 0, 0),
      base: checkRange('dryBase', o.dryBase ?? 1.75, 1),
      allowedLength: checkRange('dryAllowedLength', o.dryAllowedLength ?? 2, 0),
      lastN: checkRange('dryLastN', o.dryLastN ?? -1, -1),
      isBreaker: o.dryIsBreaker ?? (() => false),
    }),
    top_k: topKSampler(checkRange('topK', o.topK ?? SAMPLING_DEFAULTS.topK, 0)),
    typical: typicalSampler(checkRange('typicalP', o.typicalP ?? 1, 0, 1)),
    top_p: topPSampler(checkRange('topP', o.topP ?? SAMPLING_DEFAULTS.topP, 0, 1)),
    min_p: minPSampler(checkRange('minP', o.minP ?? SAMPLING_DEFAULTS.minP, 0, 1)),
    xtc: xtcSampler(checkRange('xtcProbability', o.xtcProbability ?? 0, 0, 1), checkRange('xtcThreshold', o.xtcThreshold ?? 0.1, 0, 1)),
    temperature: temperatureSampler(temperature),
  };
  const chain: Sampler[] = [];
  if (o.logitBias?.size) chain.push(logitBiasSampler(o.logitBias));
  if (temperature === 0) {
    // greedy: only penalties and bias change which token is largest
    chain.push(links.penalties, links.dry, greedySampler());
    return chain;
  }
  if (o.mirostat === 2) {
    chain.push(links.penalties, links.dry, temperatureSampler(temperature), mirostatV2Sampler(o.mirostatTau ?? 5, o.mirostatEta ?? 0.1));
    return chain;
  }
  if (o.mirostat !== undefined && o.mirostat !== 0) throw new LlamitaError('E_INVALID_ARGUMENT', `mirostat must be 0 or 2, got ${o.mirostat}`);
  for (const name of o.order ?? DEFAULT_ORDER) {
    const link = links[name];
    if (!link) throw new LlamitaError('E_INVALID_ARGUMENT', `unknown sampler "${name}" (known: ${DEFAULT_ORDER.join(', ')})`);
    chain.push(link);
  }
  chain.push(distSampler());
  return chain;
}
