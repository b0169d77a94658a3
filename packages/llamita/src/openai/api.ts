import { LlamitaError } from '@llamita/core';
import { SAMPLING_DEFAULTS, type JsonSchema } from '@llamita/sampling';
import type { ChatMessage } from '@llamita/tokenizer';
import type { Engine } from '../engine.js';
import type { GenerateOptions, GeneratedToken, GenerationStats } from '../session.js';
import type { ChatCompletionRequest, CompletionRequest } from './request-types.js';
import { chatCompletionRequest, completionRequest, parseRequest, type ParsedChatRequest, type ParsedCompletionRequest } from './requests.js';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionTokenLogprob, Completion, CompletionChunk, CompletionLogprobs, CompletionUsage } from './responses.js';

/** Per-call options, as the `openai` client's second argument. */
export interface RequestOptions {
  /** Aborts the generation (a stream then ends with `LlamitaError` `E_ABORTED`). */
  readonly signal?: AbortSignal;
}

type Shared = ParsedChatRequest | ParsedCompletionRequest;

/** One generation of the engine's shared session, with the token texts for log-probabilities. */
interface Run {
  readonly tokens: AsyncGenerator<GeneratedToken>;
  readonly stats: GenerationStats;
  readonly promptTokens: number;
}

let nextId = 1;
const now = () => Math.floor(Date.now() / 1000);

/** Sampling and limits of a request as generation options (llama.cpp server's defaults where the request is silent). */
function generateOptions(engine: Engine, r: Shared, promptTokens: number, signal: AbortSignal | undefined): GenerateOptions {
  const room = engine.model.contextSize - 1 - promptTokens;
  const requested = ('max_completion_tokens' in r ? r.max_completion_tokens : undefined) ?? r.max_tokens ?? (r.n_predict !== undefined && r.n_predict >= 0 ? r.n_predict : undefined);
  const json = jsonOf(r.response_format);
  const stop = r.stop === undefined || r.stop === null ? [] : typeof r.stop === 'string' ? [r.stop] : r.stop;
  const d = SAMPLING_DEFAULTS;
  return {
    maxTokens: Math.min(requested ?? room, room),
    temperature: r.temperature ?? d.temperature,
    topP: r.top_p ?? d.topP,
    topK: r.top_k ?? d.topK,
    minP: r.min_p ?? d.minP,
    ...(r.typical_p !== undefined && { typicalP: r.typical_p }),
    ...(r.repeat_penalty !== undefined && { repeatPenalty: r.repeat_penalty }),
    ...(r.repeat_last_n !== undefined && { repeatLastN: r.repeat_last_n === -1 ? engine.model.contextSize : r.repeat_last_n }),
    ...(typeof r.presence_penalty === 'number' && { presencePenalty: r.presence_penalty }),
    ...(typeof r.frequency_penalty === 'number' && { frequencyPenalty: r.frequency_penalty }),
    ...(r.logit_bias && { logitBias: new Map(Object.entries(r.logit_bias).map(([id, bias]) => [checkedId(engine, Number(id)), bias])) }),
    ...(r.dry_multiplier !== undefined && { dryMultiplier: r.dry_multiplier }),
    ...(r.dry_base !== undefined && { dryBase: r.dry_base }),
    ...(r.dry_allowed_length !== undefined && { dryAllowedLength: r.dry_allowed_length }),
    ...(r.dry_penalty_last_n !== undefined && { dryLastN: r.dry_penalty_last_n === -1 ? engine.model.contextSize : r.dry_penalty_last_n }),
    ...(r.xtc_probability !== undefined && { xtcProbability: r.xtc_probability }),
    ...(r.xtc_threshold !== undefined && { xtcThreshold: r.xtc_threshold }),
    ...(r.mirostat !== undefined && { mirostat: r.mirostat }),
    ...(r.mirostat_tau !== undefined && { mirostatTau: r.mirostat_tau }),
    ...(r.mirostat_eta !== undefined && { mirostatEta: r.mirostat_eta }),
    ...(r.n_keep !== undefined && r.n_keep >= 0 && { keep: r.n_keep }),
    ...(json !== undefined && { json }),
    seed: r.seed === undefined || r.seed === null || r.seed === -1 ? randomSeed() : r.seed,
    stop,
    stopAtEos: !r.ignore_eos,
    // as llama.cpp's server: a full context ends the reply (finish reason `length`)
    contextShift: false,
    ...(signal && { signal }),
  };
}

/** A seed for a request that gives none: OpenAI's API samples differently each time unless asked not to. */
function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]!;
}

function checkedId(engine: Engine, id: number): number {
  if (id >= engine.model.config.vocabSize)
    throw new LlamitaError('E_INVALID_ARGUMENT', `logit_bias: token id ${id} is outside the vocabulary [0, ${engine.model.config.vocabSize})`, { param: 'logit_bias' });
  return id;
}

function jsonOf(format: Shared['response_format']): JsonSchema | true | undefined {
  if (format === undefined || format.type === 'text') return undefined;
  if (format.type === 'json_object') return true;
  return (format.json_schema.schema as JsonSchema | undefined) ?? true;
}

/** The messages as the template takes them: `developer` is `system`, text parts joined. */
function templateMessages(r: ParsedChatRequest): ChatMessage[] {
  return r.messages.map((m) => ({
    role: m.role === 'developer' ? 'system' : m.role,
    content: m.content === null ? '' : typeof m.content === 'string' ? m.content : m.content.map((p) => p.text).join(''),
  }));
}

function usageOf(run: Run): CompletionUsage {
  const { stats } = run;
  return {
    prompt_tokens: run.promptTokens,
    completion_tokens: stats.generatedTokens,
    total_tokens: run.promptTokens + stats.generatedTokens,
    prompt_tokens_details: { cached_tokens: stats.cachedTokens },
  };
}

/**
 * Starts a generation on the engine's shared session.
 * @throws LlamitaError `E_CONTEXT_FULL` when the prompt leaves no room to generate.
 */
function start(engine: Engine, prompt: readonly number[], options: GenerateOptions): Run {
  if (prompt.length >= engine.model.contextSize - 1) {
    throw new LlamitaError('E_CONTEXT_FULL', `the prompt has ${prompt.length} tokens; the context holds ${engine.model.contextSize} with room for at least one generated token`, {
      param: 'messages',
      promptTokens: prompt.length,
      contextSize: engine.model.contextSize,
    });
  }
  const session = engine.sharedSession;
  return { tokens: session.generate(prompt, options), stats: session.stats, promptTokens: prompt.length };
}

function fingerprintOf(engine: Engine): string {
  const info = engine.model.backend.info;
  return `llamita-${info.name}-${info.numerics.id}`;
}

/** `engine.chat.completions`: OpenAI's chat completions, in process. */
export class ChatCompletions {
  /** @param engine The engine to generate with. */
  constructor(private readonly engine: Engine) {}

  /**
   * Generates the assistant's reply to `body.messages` (OpenAI's request
   * shape; llama.cpp server's sampling extras such as `top_k`, `min_p`,
   * `repeat_penalty` too). With `stream: true` the promise gives the reply as
   * chunks. Sampling defaults are llama.cpp's; without `seed` each call draws
   * a seed from the system's random source. The prompt's prefix shared with
   * the previous request is not evaluated again.
   * @throws LlamitaError `E_INVALID_ARGUMENT` for a field that is wrong or not supported; `E_CONTEXT_FULL` when the prompt does not fit.
   */
  create(body: ChatCompletionRequest & { stream: true }, options?: RequestOptions): Promise<AsyncIterable<ChatCompletionChunk>>;
  create(body: ChatCompletionRequest & { stream?: false | null }, options?: RequestOptions): Promise<ChatCompletion>;
  create(body: ChatCompletionRequest, options?: RequestOptions): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>>;
  async create(body: ChatCompletionRequest, options: RequestOptions = {}): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>> {
    const r = parseRequest(chatCompletionRequest, body);
    const prompt = this.engine.chatTokens(templateMessages(r));
    const generate = generateOptions(this.engine, r, prompt.length, options.signal);
    const run = start(this.engine, prompt, { ...generate, stopTokens: this.engine.chatFormat.stopTokens, ...(r.logprobs && { logprobs: r.top_logprobs ?? 0 }) });
    const head = { id: `chatcmpl-${nextId++}`, created: now(), model: r.model ?? this.engine.modelName, system_fingerprint: fingerprintOf(this.engine) };
    if (r.stream) return this.stream(run, head, r.stream_options?.include_usage === true, r.logprobs === true);
    let content = '';
    const logprobs: ChatCompletionTokenLogprob[] = [];
    for await (const t of run.tokens) {
      content += t.text;
      if (r.logprobs && t.id >= 0) logprobs.push(this.tokenLogprob(t));
    }
    return {
      ...head,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: run.stats.finishReason, logprobs: r.logprobs ? { content: logprobs, refusal: null } : null }],
      usage: usageOf(run),
    };
  }

  private async *stream(run: Run, head: Pick<ChatCompletionChunk, 'id' | 'created' | 'model' | 'system_fingerprint'>, includeUsage: boolean, logprobs: boolean): AsyncGenerator<ChatCompletionChunk> {
    const chunk = (choices: ChatCompletionChunk['choices'], usage?: CompletionUsage): ChatCompletionChunk => ({
      ...head,
      object: 'chat.completion.chunk',
      choices,
      ...(includeUsage && { usage: usage ?? null }),
    });
    yield chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
    for await (const t of run.tokens) {
      if (!t.text && !(logprobs && t.id >= 0)) continue;
      yield chunk([{ index: 0, delta: { content: t.text }, finish_reason: null, ...(logprobs && t.id >= 0 && { logprobs: { content: [this.tokenLogprob(t)], refusal: null } }) }]);
    }
    yield chunk([{ index: 0, delta: {}, finish_reason: run.stats.finishReason }]);
    if (includeUsage) yield chunk([], usageOf(run));
  }

  private tokenLogprob(t: GeneratedToken): ChatCompletionTokenLogprob {
    const entry = (id: number, logprob: number) => {
      const bytes = this.engine.tokenizer.tokenBytes(id);
      return { token: new TextDecoder().decode(bytes), logprob, bytes: [...bytes] };
    };
    return { ...entry(t.id, t.logprob ?? 0), top_logprobs: (t.topLogprobs ?? []).map((a) => entry(a.id, a.logprob)) };
  }
}

/** `engine.completions`: OpenAI's (legacy) text completions, in process. */
export class Completions {
  /** @param engine The engine to generate with. */
  constructor(private readonly engine: Engine) {}

  /**
   * Continues `body.prompt` (text, tokenized with the model's BOS, or token
   * ids used as they are). As {@link ChatCompletions.create} otherwise.
   * @throws LlamitaError `E_INVALID_ARGUMENT` for a field that is wrong or not supported; `E_CONTEXT_FULL` when the prompt does not fit.
   */
  create(body: CompletionRequest & { stream: true }, options?: RequestOptions): Promise<AsyncIterable<CompletionChunk>>;
  create(body: CompletionRequest & { stream?: false | null }, options?: RequestOptions): Promise<Completion>;
  create(body: CompletionRequest, options?: RequestOptions): Promise<Completion | AsyncIterable<CompletionChunk>>;
  async create(body: CompletionRequest, options: RequestOptions = {}): Promise<Completion | AsyncIterable<CompletionChunk>> {
    const r = parseRequest(completionRequest, body);
    const prompt = typeof r.prompt === 'string' ? this.engine.tokenizer.encode(r.prompt) : r.prompt.map((id) => checkedId(this.engine, id));
    const run = start(this.engine, prompt, { ...generateOptions(this.engine, r, prompt.length, options.signal), ...(typeof r.logprobs === 'number' && { logprobs: r.logprobs }) });
    const head = { id: `cmpl-${nextId++}`, created: now(), model: r.model ?? this.engine.modelName, system_fingerprint: fingerprintOf(this.engine) };
    const withLogprobs = typeof r.logprobs === 'number';
    if (r.stream) return this.stream(run, head, r.stream_options?.include_usage === true, withLogprobs);
    let text = '';
    const logprobs = emptyLogprobs();
    for await (const t of run.tokens) {
      if (withLogprobs && t.id >= 0) this.addLogprob(logprobs, t, text.length);
      text += t.text;
    }
    return { ...head, object: 'text_completion', choices: [{ index: 0, text, finish_reason: run.stats.finishReason, logprobs: withLogprobs ? logprobs : null }], usage: usageOf(run) };
  }

  private async *stream(run: Run, head: Pick<CompletionChunk, 'id' | 'created' | 'model' | 'system_fingerprint'>, includeUsage: boolean, withLogprobs: boolean): AsyncGenerator<CompletionChunk> {
    const piece = (choices: CompletionChunk['choices'], usage?: CompletionUsage): CompletionChunk => ({ ...head, object: 'text_completion', choices, ...(usage && { usage }) });
    let offset = 0;
    for await (const t of run.tokens) {
      if (!t.text && !(withLogprobs && t.id >= 0)) continue;
      const logprobs = withLogprobs && t.id >= 0 ? this.addLogprob(emptyLogprobs(), t, offset) : null;
      offset += t.text.length;
      yield piece([{ index: 0, text: t.text, finish_reason: null, logprobs }]);
    }
    yield piece([{ index: 0, text: '', finish_reason: run.stats.finishReason, logprobs: null }]);
    if (includeUsage) yield piece([], usageOf(run));
  }

  private addLogprob(into: CompletionLogprobs, t: GeneratedToken, offset: number): CompletionLogprobs {
    const text = (id: number) => new TextDecoder().decode(this.engine.tokenizer.tokenBytes(id));
    into.tokens.push(text(t.id));
    into.token_logprobs.push(t.logprob ?? 0);
    into.top_logprobs.push(Object.fromEntries((t.topLogprobs ?? []).map((a) => [text(a.id), a.logprob])));
    into.text_offset.push(offset);
    return into;
  }
}

function emptyLogprobs(): CompletionLogprobs {
  return { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
}
