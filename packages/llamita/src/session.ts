import { LlamitaError, throwIfAborted } from '@llamita/core';
import type { KvSnapshot, LlamaModel, SampleSettings } from '@llamita/model';
import { DEFAULT_ORDER, JsonConstraint, Prng, SAMPLING_DEFAULTS, SamplerChain, StopStringFilter, type JsonSchema, type SamplingOptions } from '@llamita/sampling';
import type { Tokenizer } from '@llamita/tokenizer';
import { MAX_BUSY_MS, yieldToEventLoop } from './event-loop.js';
import type { JsonTokenMask } from './json-mask.js';
import { logprobsOf, type TokenLogprob } from './logprobs.js';

/** Options of `Session.generate` and `Engine.generate`. */
export interface GenerateOptions extends SamplingOptions {
  /** Most tokens to generate (default 256). */
  readonly maxTokens?: number;
  /** PRNG seed for sampling (default 0). Same seed, same tokens. */
  readonly seed?: number;
  /** Stop when the text contains one of these; it is not emitted (it may span tokens). */
  readonly stop?: readonly string[];
  /**
   * Constrain the output to one JSON document: `true` for any JSON, or a JSON
   * Schema (subset: object/properties/required, array/items, string, integer,
   * number, boolean, enum, nullable). Tokens that cannot continue a valid
   * document are masked; the document is closed before `maxTokens` runs out;
   * generation ends when it is complete.
   */
  readonly json?: JsonSchema | true;
  /** Stop at the end-of-sequence token (default true). */
  readonly stopAtEos?: boolean;
  /** More token ids that end generation when chosen (a chat template's end of turn); they are not emitted. */
  readonly stopTokens?: readonly number[];
  /**
   * Abort: honoured between prompt batches and between tokens. The generator
   * then throws `LlamitaError` `E_ABORTED`; the session keeps what was
   * evaluated and stays usable.
   */
  readonly signal?: AbortSignal;
  /**
   * When the context fills, drop half of the tokens after the first `keep` and
   * go on, as llama.cpp does (default true). With false, generation ends with
   * finish reason `length`.
   */
  readonly contextShift?: boolean;
  /** Tokens kept at the start on a context shift (default: 1 when the prompt starts with BOS, else 0; llama.cpp's `--keep 0`). */
  readonly keep?: number;
  /**
   * Report log-probabilities: each token's, and this many most likely
   * alternatives (0 to 20) at each step, from the model's own distribution
   * (before temperature, penalties or biases). Reads the logits row back every token.
   */
  readonly logprobs?: number;
}

/** One step of a generation: the token and the text it completed. */
export interface GeneratedToken {
  /** Token id (-1 for the text flushed at the end, which no token completed alone). */
  readonly id: number;
  /** Newly completed text (may be empty while a UTF-8 character is split across tokens). */
  readonly text: string;
  /** The token's log-probability, with {@link GenerateOptions.logprobs}. */
  readonly logprob?: number;
  /** The most likely tokens at this step, with {@link GenerateOptions.logprobs}. */
  readonly topLogprobs?: readonly TokenLogprob[];
}

/** Why a generation ended: `stop` (end of sequence, a stop string or token, a complete JSON document) or `length` (`maxTokens`, or a full context without context shift). */
export type FinishReason = 'stop' | 'length';

/** What a finished generation did, with its timings in milliseconds. */
export interface GenerationStats {
  /** Tokens of the prompt. */
  promptTokens: number;
  /** Of those, tokens found in the session's cache (not evaluated again). */
  cachedTokens: number;
  /** Tokens generated. */
  generatedTokens: number;
  /** Time to evaluate the prompt's new tokens and choose the first token. */
  prefillMs: number;
  /** Time spent generating after the first token. */
  decodeMs: number;
  /** Context shifts made. */
  contextShifts: number;
  /** Moves to a fallback backend after the backend failed (the tokens replayed there). */
  failovers: number;
  /** Why it ended (`length` until it has). */
  finishReason: FinishReason;
}

/** A session's tokens and cache rows on the host. */
export interface SessionSnapshot {
  /** The tokens, one per cache row. */
  readonly tokens: readonly number[];
  /** The cache rows. */
  readonly kv: KvSnapshot;
}

/** What a {@link Session} needs of its engine. */
export interface SessionHost {
  /** The model whose cache the active session holds. */
  readonly model: LlamaModel;
  /** The model's tokenizer. */
  readonly tokenizer: Tokenizer;
  /** Waits for the model to be free; the function returned frees it. */
  acquire(): Promise<() => void>;
  /**
   * Makes `session` the one whose tokens the model's cache holds; `park` is
   * called later when another session takes the cache. Returns false when it
   * was not the active one (the cache is then empty).
   */
  enter(session: Session, park: () => Promise<void>): Promise<boolean>;
  /** Forgets `session` (disposed). */
  leave(session: Session): void;
  /** After the backend failed: moves the model, its cache dropped, to a fallback backend; false when there is none. */
  failover(error: LlamitaError): Promise<boolean>;
  /** The JSON token mask (built once per engine). */
  jsonMask(): JsonTokenMask;
  /** DRY's sequence breakers by token. */
  dryBreakers(): (token: number) => boolean;
}

/**
 * A conversation's tokens and KV cache on an engine. Each
 * {@link Session.generate} takes the whole prompt (the conversation so far) and
 * evaluates only what follows the longest prefix it shares with the tokens
 * already cached, so the second turn of a chat prefills only its new tokens.
 * Sessions share the engine's one model: the one generating holds the cache;
 * the others' rows wait on the host until they generate again.
 */
export class Session {
  private cached: number[] = [];
  private parked: KvSnapshot | undefined;
  private disposed = false;

  /** What the last generation did. */
  readonly stats: GenerationStats = { promptTokens: 0, cachedTokens: 0, generatedTokens: 0, prefillMs: 0, decodeMs: 0, contextShifts: 0, failovers: 0, finishReason: 'length' };

  /** @param host The engine's side of the session. */
  constructor(private readonly host: SessionHost) {}

  /** The tokens whose keys and values the session holds, in order. */
  get tokens(): readonly number[] {
    return this.cached;
  }

  /**
   * Generates a continuation of `prompt` (text, or token ids used as they are):
   * the whole conversation so far, of which the part that the session's
   * tokens already begin with is not evaluated again. One token at a time;
   * the last item may carry only the flushed tail of the text (`id` -1).
   * Temperature 0 is greedy and reads back one token id per step.
   * @throws LlamitaError `E_CONTEXT_FULL` when the prompt does not fit the context; `E_ABORTED` on abort; `E_INVALID_ARGUMENT` for bad options.
   */
  async *generate(prompt: string | readonly number[], options: GenerateOptions = {}): AsyncGenerator<GeneratedToken> {
    this.checkLive();
    const ids = typeof prompt === 'string' ? this.host.tokenizer.encode(prompt) : [...prompt];
    const release = await this.host.acquire();
    try {
      this.checkLive();
      await this.enterModel();
      yield* this.run(ids, options);
    } finally {
      release();
    }
  }

  /** Forgets every token (the next generation evaluates its whole prompt). */
  reset(): Promise<void> {
    return this.withModel(async () => {
      this.host.model.reset();
      this.cached = [];
    });
  }

  /**
   * The session's tokens and cache rows, read back to the host (the model's
   * numerics and dtype as they are).
   */
  snapshot(): Promise<SessionSnapshot> {
    return this.withModel(async () => ({ tokens: [...this.cached], kv: await this.host.model.kv.export() }));
  }

  /**
   * Replaces the session's tokens and cache rows (as {@link Session.snapshot}
   * gave them; the caller checks that they come from this model). Used by
   * `Engine.restoreSession`.
   * @throws LlamitaError `E_INVALID_ARGUMENT` when the rows do not fit the model's cache or the tokens do not match them.
   */
  async load(tokens: readonly number[], kv: KvSnapshot): Promise<void> {
    this.checkLive();
    if (tokens.length !== kv.length) throw new LlamitaError('E_INVALID_ARGUMENT', `${tokens.length} tokens for ${kv.length} cache rows`);
    await this.withModel(async () => {
      this.host.model.kv.import(kv);
      this.cached = [...tokens];
    });
  }

  /** Runs `work` with the model to itself and this session's rows in its cache. */
  private async withModel<T>(work: () => Promise<T>): Promise<T> {
    this.checkLive();
    const release = await this.host.acquire();
    try {
      this.checkLive();
      await this.enterModel();
      return await work();
    } finally {
      release();
    }
  }

  /** Frees the session's cache rows held on the host; the session cannot be used after. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.parked = undefined;
    this.host.leave(this);
  }

  private checkLive(): void {
    if (this.disposed) throw new LlamitaError('E_DISPOSED', 'the session was disposed');
  }

  /** Puts this session's rows in the model's cache (parking another session's first). */
  private async enterModel(): Promise<void> {
    const wasActive = await this.host.enter(this, async () => {
      this.parked = await this.host.model.kv.export();
    });
    if (wasActive) return;
    const { model } = this.host;
    model.reset();
    if (this.parked) model.kv.import(this.parked);
    else this.cached = [];
    this.parked = undefined;
  }

  private async *run(prompt: readonly number[], options: GenerateOptions): AsyncGenerator<GeneratedToken> {
    const { model, tokenizer } = this.host;
    const { maxTokens = 256, stopAtEos = true, signal, contextShift = true } = options;
    if (!Number.isSafeInteger(maxTokens) || maxTokens < 0) throw new LlamitaError('E_INVALID_ARGUMENT', `maxTokens must be a non-negative integer, got ${maxTokens}`);
    if (prompt.length === 0) throw new LlamitaError('E_INVALID_ARGUMENT', 'the prompt has no tokens (and the model adds no BOS)');
    // as llama.cpp: a token is evaluated only while n_past + 1 < n_ctx, so one cell stays free
    const capacity = model.contextSize - 1;
    if (prompt.length > capacity) {
      throw new LlamitaError('E_CONTEXT_FULL', `the prompt has ${prompt.length} tokens; the context holds at most ${capacity} (context size ${model.contextSize})`, {
        promptTokens: prompt.length,
        contextSize: model.contextSize,
      });
    }
    const keep = options.keep ?? (prompt[0] === tokenizer.vocab.bos ? 1 : 0);
    if (!Number.isSafeInteger(keep) || keep < 0 || keep > capacity - 2) throw new LlamitaError('E_INVALID_ARGUMENT', `keep must be an integer in [0, ${capacity - 2}], got ${keep}`);
    const logprobCount = options.logprobs;
    if (logprobCount !== undefined && (!Number.isInteger(logprobCount) || logprobCount < 0 || logprobCount > 20)) {
      throw new LlamitaError('E_INVALID_ARGUMENT', `logprobs must be an integer in [0, 20], got ${logprobCount}`);
    }

    const chain = new SamplerChain({ ...options, dryIsBreaker: options.dryIsBreaker ?? this.host.dryBreakers() });
    for (const id of prompt) chain.accept(id);
    let json = options.json === undefined ? undefined : JsonConstraint.fromSchema(options.json);
    const mask = json ? this.host.jsonMask() : undefined;
    if (json && mask!.spell(json.closingText()).length > maxTokens) {
      throw new LlamitaError('E_INVALID_ARGUMENT', `maxTokens ${maxTokens} is too small for the shortest valid document (${JSON.stringify(json.closingText())})`);
    }
    const sampling = logprobCount === undefined && !json ? onDeviceSampling(options, (settings) => model.canSampleWith(settings)) : undefined;
    const draws = new Prng(options.seed ?? 0);
    let lastLogprobs: { logprob: number; top: TokenLogprob[] } | undefined;
    const hostSampled = async function* (tokens: readonly number[]): AsyncGenerator<number, void, undefined> {
      while (model.position + tokens.length <= capacity) {
        const logits = await model.evaluate(tokens);
        const token = (() => {
          if (logprobCount === undefined) {
            if (json) mask!.apply(logits, json);
            return chain.sample(logits);
          }
          // the model's own distribution, before the chain reshapes the row in place
          const raw = logits.slice();
          if (json) mask!.apply(logits, json);
          const chosen = chain.sample(logits);
          lastLogprobs = logprobsOf(raw, chosen, logprobCount);
          return chosen;
        })();
        yield token;
        tokens = [token];
      }
    };
    const open = (tokens: readonly number[]) => (sampling ? model.decode(tokens, sampling.settings && { settings: sampling.settings, draw: () => draws.nextU32() }, capacity) : hostSampled(tokens));

    // the longest cached prefix is kept; at least one token is evaluated, for its logits
    let common = 0;
    while (common < this.cached.length && common < prompt.length - 1 && this.cached[common] === prompt[common]) common++;
    model.kv.truncate(common);
    const seq = [...prompt]; // seq[i] is the token in cache row i for every i < model.position
    const stats = Object.assign(this.stats, {
      promptTokens: prompt.length,
      cachedTokens: common,
      generatedTokens: 0,
      prefillMs: 0,
      decodeMs: 0,
      contextShifts: 0,
      failovers: 0,
      finishReason: 'length',
    });
    const stopTokens = new Set(options.stopTokens ?? []);
    if (stopAtEos && tokenizer.vocab.eos !== undefined) stopTokens.add(tokenizer.vocab.eos);
    const decoder = tokenizer.createStreamDecoder();
    const stops = new StopStringFilter(options.stop ?? []);
    let start = performance.now();
    let source: AsyncGenerator<number, void, undefined> | undefined;
    /**
     * When the backend failed (a lost device), the engine moves the model to a
     * fallback with an empty cache: every token but the last chosen is
     * evaluated again there, and decoding goes on from that one.
     */
    const recover = async (error: unknown) => {
      if (!(LlamitaError.is(error) && error.code === 'E_BACKEND_UNAVAILABLE') || !(await this.host.failover(error))) throw error;
      stats.failovers++;
      await model.prefill(seq.slice(0, -1), signal);
      source = open(seq.slice(-1));
    };
    try {
      const rest = prompt.slice(common);
      const lastBatch = ((rest.length - 1) % model.maxBatch) + 1;
      try {
        await model.prefill(rest.slice(0, rest.length - lastBatch), signal);
        source = open(rest.slice(rest.length - lastBatch));
      } catch (e) {
        await recover(e);
      }
      /** The next chosen id; shifts the context when it is full, or gives undefined when it may not. */
      const nextId = async (): Promise<number | undefined> => {
        for (;;) {
          let step: IteratorResult<number, void>;
          try {
            step = await source!.next();
          } catch (e) {
            await recover(e);
            continue;
          }
          if (!step.done) return step.value;
          if (!contextShift) return undefined;
          const discard = Math.floor((model.position - keep) / 2);
          await model.shiftContext(keep, discard);
          seq.splice(keep, discard);
          stats.contextShifts++;
          // the last chosen id found no room: it is evaluated after the shift
          source = open([seq.at(-1)!]);
        }
      };
      let token = await nextId();
      stats.prefillMs = performance.now() - start;
      start = performance.now();
      let busySince = start;
      while (token !== undefined) {
        // a backend whose reads resolve at once would otherwise hold the thread for the whole generation
        if (performance.now() - busySince > MAX_BUSY_MS) {
          await yieldToEventLoop();
          busySince = performance.now();
        }
        throwIfAborted(signal);
        if (stats.generatedTokens >= maxTokens) break;
        if (json && !json.complete && maxTokens - stats.generatedTokens <= mask!.spell(json.closingText()).length) {
          // out of budget: spell the shortest closing text instead of sampling
          for (const id of mask!.spell(json.closingText())) {
            stats.generatedTokens++;
            yield { id, text: stops.push(decoder.push(id)) };
          }
          stats.finishReason = 'stop';
          break;
        }
        if (stopTokens.has(token)) {
          stats.finishReason = 'stop';
          break;
        }
        stats.generatedTokens++;
        chain.accept(token);
        seq.push(token);
        if (json) json = json.advance(new TextDecoder().decode(tokenizer.tokenBytes(token)));
        const text = stops.push(decoder.push(token));
        const logprobs = lastLogprobs && { logprob: lastLogprobs.logprob, topLogprobs: lastLogprobs.top };
        if (text || !stops.stopped) yield { id: token, text, ...logprobs };
        if (stops.stopped || (json && json.complete && json.closingText() === '')) {
          stats.finishReason = 'stop';
          break;
        }
        if (stats.generatedTokens >= maxTokens) break;
        token = await nextId();
      }
    } finally {
      // takes back a step the model queued ahead
      await source?.return();
      this.cached = seq.slice(0, model.position);
      stats.decodeMs = performance.now() - start;
    }
    const tail = stops.stopped ? '' : stops.push(decoder.flush()) + stops.flush();
    if (tail) yield { id: -1, text: tail };
  }
}

/**
 * How the backend chooses each id, when it can and the host need not see the
 * logits: greedy (`settings` undefined: argmax) when nothing reshapes the
 * logits; the sample op when `o` asks for a chain of top-k, top-p, min-p and
 * temperature only, in llama.cpp's order (that chain and the op draw the same
 * ids from the same draws). Otherwise undefined: the host samples.
 */
function onDeviceSampling(o: GenerateOptions, canSample: (settings: SampleSettings) => boolean): { settings: SampleSettings | undefined } | undefined {
  const othersOff =
    !o.logitBias?.size &&
    (o.repeatPenalty ?? 1) === 1 &&
    !o.presencePenalty &&
    !o.frequencyPenalty &&
    !o.dryMultiplier &&
    (o.typicalP ?? 1) >= 1 &&
    !o.xtcProbability &&
    !o.mirostat &&
    (o.order === undefined || o.order.join() === DEFAULT_ORDER.join());
  if (!othersOff) return undefined;
  if (o.temperature === 0 || o.topK === 1) return { settings: undefined };
  const d = SAMPLING_DEFAULTS;
  const settings = { topK: o.topK ?? d.topK, topP: o.topP ?? d.topP, minP: o.minP ?? d.minP, temperature: o.temperature ?? d.temperature };
  return canSample(settings) ? { settings } : undefined;
}
