import { LlamitaError } from '@llamita/core';
import type { LoadProgress } from '@llamita/model';
import type { ChatMessage } from '@llamita/tokenizer';
import type { BackendChoice } from '../backend-choice.js';
import type { RequestOptions } from '../openai/api.js';
import type { ChatCompletionRequest, CompletionRequest } from '../openai/request-types.js';
import type { ChatCompletion, ChatCompletionChunk, Completion, CompletionChunk } from '../openai/responses.js';
import type { GeneratedToken } from '../session.js';
import type { Endpoint, FromWorker, ToWorker, WorkerApi, WorkerEngineInfo, WorkerGenerateOptions, WorkerLoadRequest, WorkerMethod, WorkerSessionState, WorkerValue } from './protocol.js';

/** Per-call options of {@link WorkerChannel}. */
export interface CallOptions {
  /** Aborts the call in the worker. */
  readonly signal?: AbortSignal | undefined;
  /** Progress of a load. */
  readonly onProgress?: ((p: LoadProgress) => void) | undefined;
}

/** One call in flight: where its answers go. */
interface Pending {
  readonly push: (message: FromWorker) => void;
}

/** The page's side of the protocol: calls with ids, answers routed back, aborts sent on. */
export class WorkerChannel {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /** @param endpoint The worker (or port) running `exposeEngine`. */
  constructor(private readonly endpoint: Endpoint) {
    endpoint.addEventListener('message', ({ data }) => {
      const message = data as FromWorker;
      this.pending.get(message.id)?.push(message);
    });
  }

  /** Calls `method` and resolves to its result. */
  async call<M extends WorkerMethod>(method: M, args: Parameters<WorkerApi[M]>, options: CallOptions = {}): Promise<WorkerValue<M>> {
    let result: WorkerValue<M> | undefined;
    for await (const value of this.stream(method, args, options)) result = value;
    return result as WorkerValue<M>;
  }

  /** Calls `method` and yields what it streams (a plain method yields its result once). */
  async *stream<M extends WorkerMethod>(method: M, args: Parameters<WorkerApi[M]>, options: CallOptions = {}): AsyncGenerator<WorkerValue<M>> {
    options.signal?.throwIfAborted?.();
    const id = this.nextId++;
    const queue: FromWorker[] = [];
    let wake: (() => void) | undefined;
    this.pending.set(id, {
      push: (message) => {
        if (message.kind === 'progress') return options.onProgress?.(message.progress);
        queue.push(message);
        wake?.();
      },
    });
    const abort = () => this.endpoint.postMessage({ kind: 'abort', id } satisfies ToWorker);
    options.signal?.addEventListener('abort', abort, { once: true });
    let finished = false;
    try {
      this.endpoint.postMessage({ kind: 'call', id, method, args } as ToWorker);
      for (;;) {
        while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        const message = queue.shift()!;
        if (message.kind === 'error') {
          finished = true;
          throw LlamitaError.fromJSON(message.error);
        }
        if (message.kind === 'end') {
          finished = true;
          return;
        }
        if (message.kind === 'result') finished = true;
        yield (message as unknown as { value: WorkerValue<M> }).value;
        if (finished) return;
      }
    } finally {
      options.signal?.removeEventListener('abort', abort);
      // the page stopped listening (break, return): the worker stops too
      if (!finished) abort();
      this.pending.delete(id);
    }
  }
}

/** `workerEngine.chat`, shaped as the `openai` client's. */
export interface WorkerChatApi {
  /** Chat completions. */
  readonly completions: WorkerChatCompletions;
}

/** `workerEngine.chat.completions`. */
export interface WorkerChatCompletions {
  /** As {@link WorkerEngine.createChatCompletion}. */
  readonly create: WorkerEngine['createChatCompletion'];
}

/** `workerEngine.completions`. */
export interface WorkerCompletions {
  /** As {@link WorkerEngine.createCompletion}. */
  readonly create: WorkerEngine['createCompletion'];
}

/** A session of a {@link WorkerEngine}: its generation runs in the worker, streamed back. */
export class WorkerSession {
  /**
   * @param channel The channel to the worker.
   * @param id The session's id in the worker.
   */
  constructor(
    private readonly channel: WorkerChannel,
    /** The session's id in the worker. */
    readonly id: number,
  ) {}

  /**
   * As `Session.generate`, in the worker; `signal` aborts it there (the
   * generator then throws `E_ABORTED`); stopping the iteration stops it too.
   */
  generate(prompt: string | readonly number[], options: WorkerGenerateOptions & { readonly signal?: AbortSignal } = {}): AsyncGenerator<GeneratedToken> {
    const { signal, ...rest } = options;
    return this.channel.stream('generate', [this.id, prompt, rest], { signal });
  }

  /** The session's tokens and its last generation's stats. */
  state(): Promise<WorkerSessionState> {
    return this.channel.call('sessionState', [this.id]);
  }

  /** Frees the session in the worker. */
  dispose(): Promise<void> {
    return this.channel.call('disposeSession', [this.id]);
  }
}

/**
 * An engine running in a Web Worker (or a Node worker thread), with the
 * engine's API made asynchronous: sessions, the OpenAI-shaped API, save and
 * restore, moving between backends. Errors keep their `LlamitaError` code.
 */
export class WorkerEngine {
  /** `engine.chat.completions.create`, in the worker. */
  readonly chat: WorkerChatApi;
  /** `engine.completions.create`, in the worker. */
  readonly completions: WorkerCompletions;

  /**
   * @param channel The channel to the worker.
   * @param current What the worker said of the engine it loaded.
   */
  constructor(
    private readonly channel: WorkerChannel,
    private current: WorkerEngineInfo,
  ) {
    this.chat = { completions: { create: this.createChatCompletion.bind(this) as WorkerEngine['createChatCompletion'] } };
    this.completions = { create: this.createCompletion.bind(this) as WorkerEngine['createCompletion'] };
  }

  /** The model's name. */
  get modelName(): string {
    return this.current.modelName;
  }

  /** KV cache size in tokens. */
  get contextSize(): number {
    return this.current.contextSize;
  }

  /** The backend that runs the model now. */
  get backendChoice(): BackendChoice {
    return this.current.backendChoice;
  }

  /** Tokens that end an assistant's turn in the model's chat format: `stopTokens` for chat replies. */
  get chatStopTokens(): readonly number[] {
    return this.current.chatStopTokens;
  }

  /** A new session in the worker. */
  async createSession(): Promise<WorkerSession> {
    return new WorkerSession(this.channel, await this.channel.call('createSession', []));
  }

  /** `Engine.saveSession`, the bytes moved out of the worker. */
  saveSession(session: WorkerSession): Promise<Uint8Array> {
    return this.channel.call('saveSession', [session.id]);
  }

  /** `Engine.restoreSession` in the worker. */
  async restoreSession(bytes: Uint8Array): Promise<WorkerSession> {
    return new WorkerSession(this.channel, await this.channel.call('restoreSession', [bytes]));
  }

  /** `Engine.chatTokens`. */
  chatTokens(messages: readonly ChatMessage[]): Promise<number[]> {
    return this.channel.call('chatTokens', [messages]);
  }

  /** Moves the model and every session to the worker's backend of this name; the conversation goes on there. */
  async moveTo(backend: string): Promise<void> {
    this.current = await this.channel.call('moveTo', [backend]);
  }

  /** Frees the engine in the worker (the worker itself stays the caller's). */
  dispose(): Promise<void> {
    return this.channel.call('dispose', []);
  }

  /** As `engine.chat.completions.create`. */
  createChatCompletion(body: ChatCompletionRequest & { stream: true }, options?: RequestOptions): Promise<AsyncIterable<ChatCompletionChunk>>;
  createChatCompletion(body: ChatCompletionRequest & { stream?: false | null }, options?: RequestOptions): Promise<ChatCompletion>;
  async createChatCompletion(body: ChatCompletionRequest, options: RequestOptions = {}): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>> {
    if (body.stream) return this.channel.stream('chatCompletionStream', [body], options);
    return this.channel.call('chatCompletion', [body], options);
  }

  /** As `engine.completions.create`. */
  createCompletion(body: CompletionRequest & { stream: true }, options?: RequestOptions): Promise<AsyncIterable<CompletionChunk>>;
  createCompletion(body: CompletionRequest & { stream?: false | null }, options?: RequestOptions): Promise<Completion>;
  async createCompletion(body: CompletionRequest, options: RequestOptions = {}): Promise<Completion | AsyncIterable<CompletionChunk>> {
    if (body.stream) return this.channel.stream('completionStream', [body], options);
    return this.channel.call('completion', [body], options);
  }
}

/**
 * Loads a model in the worker at the other end of `endpoint` (which runs
 * `exposeEngine`) and returns its engine. `onProgress` reports the upload.
 * @throws LlamitaError with the worker's code when loading fails there.
 */
export async function createWorkerEngine(endpoint: Endpoint, request: WorkerLoadRequest, options: { readonly onProgress?: (p: LoadProgress) => void } = {}): Promise<WorkerEngine> {
  const channel = new WorkerChannel(endpoint);
  return new WorkerEngine(channel, await channel.call('load', [request], { onProgress: options.onProgress }));
}

/**
 * Connects to an engine that the worker opened itself (`exposeEngine` with
 * `engine`), e.g. a server's model loaded in a Node worker thread so that the
 * HTTP loop never waits for the model.
 * @throws LlamitaError whatever opening the engine threw in the worker, its code kept.
 */
export async function connectWorkerEngine(endpoint: Endpoint): Promise<WorkerEngine> {
  const channel = new WorkerChannel(endpoint);
  return new WorkerEngine(channel, await channel.call('info', []));
}
