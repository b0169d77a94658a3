import { LlamitaError, type Backend, type BackendFactory } from '@llamita/core';
import {
  LlamaModel,
  blobSource,
  chatTemplateFromGguf,
  loadGgufLlama,
  modelFingerprint,
  readGguf,
  tokenizerFromGguf,
  urlSource,
  type ByteSource,
  type LlamaConfig,
  type LoadProgress,
  type TensorSource,
} from '@llamita/model';
import type { DType } from '@llamita/core';
import { placeOnBackend, type BackendChoice, type BackendOption, type Placed } from './backend-choice.js';
import { JsonTokenMask } from './json-mask.js';
import { SpmTokenizer, type ChatMessage, type SpmVocab, type Tokenizer } from '@llamita/tokenizer';
import { ChatFormat, FALLBACK_CHAT_TEMPLATE } from './chat-format.js';
import { Session, type GenerateOptions, type GeneratedToken, type GenerationStats, type SessionHost } from './session.js';
import { decodeSessionState, encodeSessionState } from './session-state.js';
import { ChatCompletions, Completions } from './openai/api.js';

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /**
   * The backend to run on: a live backend (it stays the caller's: the engine
   * never disposes it), a factory (probed, then created, and disposed with the
   * engine), or factories in order of preference, e.g.
   * `[webgpuFactory, wasmBackend, jsBackend]`: the first that probes well and
   * runs every op of the model is used ({@link Engine.backendChoice} says
   * which, and why the others were passed over). The facade imports no
   * backend itself, so a user installs only the backends they use.
   */
  readonly backend: BackendOption;
  /** KV cache size in tokens (default: the model's context, capped at 4096). */
  readonly contextSize?: number;
  /** Most tokens evaluated in one graph; longer prompts go in batches of this size, with abort checks between (default 512). */
  readonly batchSize?: number;
  /** KV cache element type (default f16, as llama.cpp). */
  readonly kvType?: 'f16' | 'f32';
  /** Re-encode float weight matrices to this type while loading (e.g. `q8_0`). */
  readonly quantize?: DType;
  /** Progress of the weight upload. */
  readonly onProgress?: (p: LoadProgress) => void;
  /**
   * Jinja chat template to use instead of the model's own
   * (`tokenizer.chat_template` of a GGUF, `chat_template` of
   * tokenizer_config.json). A model with neither gets {@link FALLBACK_CHAT_TEMPLATE}.
   */
  readonly chatTemplate?: string;
  /**
   * Told when the backend failed mid-generation (a lost WebGPU device) and the
   * engine moved the model to the next backend of `backend`'s list that probes
   * well, replaying the session's tokens there.
   */
  readonly onFailover?: (event: FailoverEvent) => void;
}

/** A move away from a backend that failed. */
export interface FailoverEvent {
  /** The backend that failed. */
  readonly from: string;
  /** The backend the model runs on now. */
  readonly to: string;
  /** What failed. */
  readonly reason: string;
}

function modelOptions(options: LoadModelOptions) {
  return {
    ...(options.contextSize !== undefined && { contextSize: options.contextSize }),
    ...(options.batchSize !== undefined && { batchSize: options.batchSize }),
    ...(options.kvType !== undefined && { kvType: options.kvType }),
    ...(options.quantize !== undefined && { quantize: options.quantize }),
    ...(options.onProgress !== undefined && { onProgress: options.onProgress }),
  };
}

/**
 * Loads a checkpoint given as parts: tensors (e.g. a Hugging Face safetensors
 * checkpoint through `hfTensorSource`), its config and its tokenizer (e.g.
 * `tokenizerFromTokenizerJson` of its `tokenizer.json`: SentencePiece or
 * byte-level BPE), or a SentencePiece vocabulary.
 */
export async function loadCheckpoint(tensors: TensorSource, config: LlamaConfig, tokenizer: Tokenizer | SpmVocab, options: LoadModelOptions): Promise<Engine> {
  const placed = await placeOnBackend(options.backend, (backend) => LlamaModel.load(tensors, config, backend, modelOptions(options)));
  const ready = 'encode' in tokenizer ? tokenizer : new SpmTokenizer(tokenizer);
  return new Engine(placed.value, ready, { ...placed, chatTemplate: options.chatTemplate, onFailover: options.onFailover });
}

/**
 * Loads a Llama GGUF from a byte source, a Blob/File, or an http(s) URL. The
 * source stays open while the engine lives ({@link Engine.moveTo} reads the
 * weights again) and is closed by {@link Engine.dispose}.
 * @throws LlamitaError `E_BACKEND_UNAVAILABLE` when no backend given can run the model here; file errors from the reader.
 */
export async function loadModel(source: ByteSource | Blob | string, options: LoadModelOptions): Promise<Engine> {
  const bytes = typeof source === 'string' ? await urlSource(source) : source instanceof Blob ? blobSource(source) : source;
  try {
    const file = await readGguf(bytes);
    const tokenizer = tokenizerFromGguf(file);
    const placed = await placeOnBackend(options.backend, (backend) => loadGgufLlama(file, backend, modelOptions(options)));
    const engine = new Engine(placed.value, tokenizer, { ...placed, chatTemplate: options.chatTemplate ?? chatTemplateFromGguf(file), onFailover: options.onFailover });
    engine.closeWith(() => bytes.close());
    return engine;
  } catch (e) {
    await bytes.close();
    throw e;
  }
}

/** `engine.chat`, shaped as the `openai` client's `chat`. */
export interface ChatApi {
  /** Chat completions: `create({ messages })`. */
  readonly completions: ChatCompletions;
}

/** How an {@link Engine} came to be: whether it created its backend, why that one, and its chat template. */
export interface EnginePlacement extends Pick<Placed<unknown>, 'owned' | 'choice'> {
  /** The Jinja chat template (undefined: {@link FALLBACK_CHAT_TEMPLATE}). */
  readonly chatTemplate?: string | undefined;
  /** Backends to move to if this one fails mid-generation, in order. */
  readonly fallbacks?: readonly BackendFactory[];
  /** As {@link LoadModelOptions.onFailover}. */
  readonly onFailover?: ((event: FailoverEvent) => void) | undefined;
}

/**
 * A loaded model with its tokenizer: sessions (conversations that keep their
 * KV cache), generation, chat, an OpenAI-shaped API (`engine.chat.completions`,
 * `engine.completions`), scoring. One generation runs at a time; the others
 * wait their turn.
 */
export class Engine {
  private jsonMaskCache: JsonTokenMask | undefined;
  private ownsBackend: boolean;
  private choice: BackendChoice;
  private readonly closers: (() => unknown)[] = [];
  private disposed = false;
  private queue: Promise<void> = Promise.resolve();
  private active: { readonly session: Session; readonly park: () => Promise<void> } | undefined;
  private fingerprint: Promise<string> | undefined;
  private readonly host: SessionHost;
  private defaultSession: Session | undefined;
  private readonly fallbacks: BackendFactory[];
  private readonly onFailover: ((event: FailoverEvent) => void) | undefined;

  /** Stats of the last {@link Engine.generate} run. */
  readonly stats: GenerationStats = { promptTokens: 0, cachedTokens: 0, generatedTokens: 0, prefillMs: 0, decodeMs: 0, contextShifts: 0, failovers: 0, finishReason: 'length' };

  /** How conversations become tokens: the chat template and the tokens that end a turn. */
  readonly chatFormat: ChatFormat;

  /** The OpenAI-shaped chat API: `engine.chat.completions.create({ messages })`. */
  readonly chat: ChatApi;

  /** The OpenAI-shaped text completion API: `engine.completions.create({ prompt })`. */
  readonly completions: Completions;

  /**
   * Pairs a model with its tokenizer. `placement` says whether the engine
   * created the model's backend (then {@link Engine.dispose} disposes it; by
   * default the backend is the caller's) and gives the chat template.
   */
  constructor(
    /** The model and its KV cache. */
    readonly model: LlamaModel,
    /** The model's tokenizer. */
    readonly tokenizer: Tokenizer,
    placement?: EnginePlacement,
  ) {
    this.ownsBackend = placement?.owned ?? false;
    this.fallbacks = [...(placement?.fallbacks ?? [])];
    this.onFailover = placement?.onFailover;
    this.choice = placement?.choice ?? { name: model.backend.info.name, description: model.backend.info.description, skipped: [] };
    const template = placement?.chatTemplate;
    this.chatFormat = new ChatFormat(tokenizer, template ?? FALLBACK_CHAT_TEMPLATE, template === undefined);
    this.host = {
      model,
      tokenizer,
      acquire: () => this.acquire(),
      enter: async (session, park) => {
        if (this.active?.session === session) return true;
        await this.active?.park();
        this.active = { session, park };
        return false;
      },
      leave: (session) => {
        if (this.active?.session === session) this.active = undefined;
      },
      failover: (error) => this.failover(error),
      jsonMask: () => (this.jsonMaskCache ??= new JsonTokenMask(tokenizer)),
      dryBreakers: () => this.dryBreakers(),
    };
    this.chat = { completions: new ChatCompletions(this) };
    this.completions = new Completions(this);
  }

  /** Which backend runs the model, and the candidates passed over before it. */
  get backendChoice(): BackendChoice {
    return this.choice;
  }

  /** A name for the model in API responses: the source it was loaded from. */
  get modelName(): string {
    return this.model.weightsSource.name;
  }

  /** Runs `close` when the engine is disposed (e.g. closing the file the weights come from). */
  closeWith(close: () => unknown): void {
    this.closers.push(close);
  }

  /**
   * A new conversation: its tokens and KV cache. Each generation takes the
   * whole conversation and evaluates only what it does not share with the
   * session's tokens.
   */
  createSession(): Session {
    this.checkLive();
    return new Session(this.host);
  }

  /**
   * The session the engine's OpenAI-shaped API and {@link Engine.chatTokens}
   * callers share, as llama.cpp's server shares a slot: each request reuses
   * the prefix it has in common with the one before.
   */
  get sharedSession(): Session {
    return (this.defaultSession ??= this.createSession());
  }

  /**
   * Saves a session: its tokens, cache rows, the fingerprint of this model's
   * weights and the backend's numerics, as bytes for {@link Engine.restoreSession}
   * (e.g. kept in OPFS across a page reload).
   */
  async saveSession(session: Session): Promise<Uint8Array> {
    const { tokens, kv } = await session.snapshot();
    return encodeSessionState({ model: await this.modelFingerprint(), numerics: this.model.backend.info.numerics.id, tokens, kv });
  }

  /**
   * A session from {@link Engine.saveSession}'s bytes, continuing exactly
   * where it was: its next generation evaluates only what is new. A cache
   * saved on a backend of other numerics or another KV dtype is taken
   * (converted), as {@link Engine.moveTo} does.
   * @throws LlamitaError `E_BAD_FILE` for a corrupt or foreign blob; `E_INVALID_ARGUMENT` when it was saved with another model or does not fit this context.
   */
  async restoreSession(bytes: Uint8Array): Promise<Session> {
    const state = await decodeSessionState(bytes);
    const mine = await this.modelFingerprint();
    if (state.model !== mine) throw new LlamitaError('E_INVALID_ARGUMENT', `the session was saved with another model (${state.model.slice(0, 12)}…, this one is ${mine.slice(0, 12)}…)`);
    if (state.tokens.some((t) => t >= this.model.config.vocabSize)) throw new LlamitaError('E_BAD_FILE', 'the saved session holds token ids outside the vocabulary');
    const session = this.createSession();
    try {
      await session.load(state.tokens, state.kv);
    } catch (e) {
      session.dispose();
      throw e;
    }
    return session;
  }

  /**
   * Moves the model, with the active session's KV cache, to `backend`; every
   * session continues on it. The backend stays the caller's unless `adopt` is
   * true (then the engine disposes it when it moves off it or is disposed).
   * A backend the engine owned is disposed after the move. Waits for a
   * generation in progress to end.
   * @throws LlamitaError as `LlamaModel.moveTo`; the model then stays where it was.
   */
  async moveTo(backend: Backend, options: { readonly adopt?: boolean } = {}): Promise<void> {
    const release = await this.acquire();
    try {
      const old = this.model.backend;
      if (backend === old) return;
      await this.model.moveTo(backend);
      if (this.ownsBackend) old.dispose();
      this.ownsBackend = options.adopt ?? false;
      this.choice = { name: backend.info.name, description: backend.info.description, skipped: [] };
    } finally {
      release();
    }
  }

  /** The prompt tokens of a conversation in the model's chat format, ready for the assistant's reply. */
  chatTokens(messages: readonly ChatMessage[]): number[] {
    return this.chatFormat.tokens(messages);
  }

  /**
   * Generates a continuation of `prompt` (text, or token ids used as they are),
   * one token at a time, from an empty context (a session of its own, gone
   * after). Temperature 0 is greedy and reads back one token id per step.
   * @throws LlamitaError as {@link Session.generate}.
   */
  async *generate(prompt: string | readonly number[], options: GenerateOptions = {}): AsyncGenerator<GeneratedToken> {
    this.checkLive();
    const session = this.createSession();
    try {
      yield* session.generate(prompt, options);
    } finally {
      Object.assign(this.stats, session.stats);
      session.dispose();
    }
  }

  /**
   * After the backend failed (the caller holds the queue): moves the model,
   * without its cache, to the next fallback that probes well and takes it.
   * False when none is left.
   */
  private async failover(error: LlamitaError): Promise<boolean> {
    const failed = this.model.backend;
    for (let factory = this.fallbacks.shift(); factory; factory = this.fallbacks.shift()) {
      if (!(await factory.probe()).ok) continue;
      let backend: Backend;
      try {
        backend = await factory.create();
        await this.model.moveTo(backend, { dropCache: true }).catch((e: unknown) => {
          backend.dispose();
          throw e;
        });
      } catch {
        continue;
      }
      if (this.ownsBackend) failed.dispose();
      this.ownsBackend = true;
      this.choice = { name: backend.info.name, description: backend.info.description, skipped: [{ name: failed.info.name, reason: `failed: ${error.message}` }] };
      this.onFailover?.({ from: failed.info.name, to: backend.info.name, reason: error.message });
      return true;
    }
    return false;
  }

  /** DRY's default sequence breakers (llama.cpp's: newline, colon, quote, asterisk), by token text. */
  private dryBreakers(): (token: number) => boolean {
    const cache = new Map<number, boolean>();
    return (token) => {
      let hit = cache.get(token);
      if (hit === undefined) {
        const text = new TextDecoder().decode(this.tokenizer.tokenBytes(token));
        hit = /[\n:"*]/.test(text);
        cache.set(token, hit);
      }
      return hit;
    };
  }

  /** Waits until no other generation holds the model; the function returned lets the next one in. */
  private acquire(): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const before = this.queue;
    this.queue = before.then(() => mine);
    return before.then(() => release);
  }

  private modelFingerprint(): Promise<string> {
    return (this.fingerprint ??= modelFingerprint(this.model.weightsSource, this.model.config));
  }

  private checkLive(): void {
    if (this.disposed) throw new LlamitaError('E_DISPOSED', 'the engine was disposed');
  }

  /**
   * Frees what the engine created: the model's buffers, the backend when the
   * engine created it (a backend passed in stays usable), and the weights' source.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
    if (this.ownsBackend) this.model.backend.dispose();
    for (const close of this.closers.splice(0)) void Promise.resolve(close()).catch(() => undefined);
  }
}
