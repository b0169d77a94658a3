import type { SerializedError } from '@llamita/core';
import type { LoadProgress } from '@llamita/model';
import type { ChatMessage } from '@llamita/tokenizer';
import type { BackendChoice } from '../backend-choice.js';
import type { ChatCompletionRequest, CompletionRequest } from '../openai/request-types.js';
import type { ChatCompletion, ChatCompletionChunk, Completion, CompletionChunk } from '../openai/responses.js';
import type { GenerateOptions, GeneratedToken, GenerationStats } from '../session.js';

/** What a worker engine loads: a model and the backends to try, by name, best first. */
export interface WorkerLoadRequest {
  /** A `Blob`/`File`, an http(s) URL, or whatever the worker's `open` takes (a path in Node). */
  readonly model: Blob | string;
  /** Names of the backends the worker offers (`exposeEngine`'s `backends`), in order of preference. */
  readonly backends: readonly string[];
  /** KV cache size in tokens. */
  readonly contextSize?: number;
  /** KV cache element type. */
  readonly kvType?: 'f16' | 'f32';
  /** A Jinja chat template instead of the model's own. */
  readonly chatTemplate?: string;
}

/** What the page learns of the engine in the worker. */
export interface WorkerEngineInfo {
  /** The model's name. */
  readonly modelName: string;
  /** KV cache size in tokens. */
  readonly contextSize: number;
  /** The backend that runs the model and the ones passed over. */
  readonly backendChoice: BackendChoice;
  /** Tokens that end an assistant's turn in the model's chat format (end of sequence, end of turn): pass them as `stopTokens` when generating a chat reply. */
  readonly chatStopTokens: readonly number[];
}

/** Generation options that cross a worker boundary: no functions, the abort signal stays on the page. */
export type WorkerGenerateOptions = Omit<GenerateOptions, 'signal' | 'dryIsBreaker'>;

/** A worker session's tokens and the stats of its last generation. */
export interface WorkerSessionState {
  /** The tokens the session holds. */
  readonly tokens: readonly number[];
  /** The last generation's stats. */
  readonly stats: GenerationStats;
}

/**
 * The engine's operations as the worker serves them. The messages of the
 * protocol are derived from this interface: a call names a method and carries
 * its parameters; a result, a streamed item or an error answers it.
 */
export interface WorkerApi {
  /** What the engine in the worker is: one it opened itself (`exposeEngine`'s `engine`), or the last one loaded. */
  info(): Promise<WorkerEngineInfo>;
  /** Loads the model (progress comes as `progress` messages). */
  load(request: WorkerLoadRequest): Promise<WorkerEngineInfo>;
  /** A new session's id. */
  createSession(): Promise<number>;
  /** Streams a session's generation. */
  generate(session: number, prompt: string | readonly number[], options: WorkerGenerateOptions): AsyncIterable<GeneratedToken>;
  /** A session's tokens and the stats of its last generation. */
  sessionState(session: number): Promise<WorkerSessionState>;
  /** `Engine.saveSession`. */
  saveSession(session: number): Promise<Uint8Array>;
  /** `Engine.restoreSession`: the new session's id. */
  restoreSession(bytes: Uint8Array): Promise<number>;
  /** Frees a session. */
  disposeSession(session: number): Promise<void>;
  /** `Engine.chatTokens`. */
  chatTokens(messages: readonly ChatMessage[]): Promise<number[]>;
  /** `engine.chat.completions.create` without streaming. */
  chatCompletion(body: ChatCompletionRequest): Promise<ChatCompletion>;
  /** `engine.chat.completions.create` streaming. */
  chatCompletionStream(body: ChatCompletionRequest): AsyncIterable<ChatCompletionChunk>;
  /** `engine.completions.create` without streaming. */
  completion(body: CompletionRequest): Promise<Completion>;
  /** `engine.completions.create` streaming. */
  completionStream(body: CompletionRequest): AsyncIterable<CompletionChunk>;
  /** Moves the model and every session to the backend of this name. */
  moveTo(backend: string): Promise<WorkerEngineInfo>;
  /** Frees the engine. */
  dispose(): Promise<void>;
}

/** A method of {@link WorkerApi}. */
export type WorkerMethod = keyof WorkerApi;

/** What a call of `M` answers with: its resolved value, or each item it streams. */
export type WorkerValue<M extends WorkerMethod> = ReturnType<WorkerApi[M]> extends AsyncIterable<infer Item> ? Item : Awaited<ReturnType<WorkerApi[M]>>;

/** A call of method `M` of {@link WorkerApi}. */
export interface WorkerCall<M extends WorkerMethod> {
  /** Always `call`. */
  readonly kind: 'call';
  /** Names this call in the answers. */
  readonly id: number;
  /** The method. */
  readonly method: M;
  /** Its parameters. */
  readonly args: Parameters<WorkerApi[M]>;
}

/** Stops call `id` (its generation ends with `E_ABORTED`). */
export interface WorkerAbort {
  /** Always `abort`. */
  readonly kind: 'abort';
  /** The call to stop. */
  readonly id: number;
}

/** A message from the page to the worker: a call of a {@link WorkerApi} method, or the abort of one. */
export type ToWorker = { [M in WorkerMethod]: WorkerCall<M> }[WorkerMethod] | WorkerAbort;

/** The answer of call `id` of `M`: its result (`result`), or one item it streams (`item`). */
export interface WorkerAnswer<M extends WorkerMethod> {
  /** `result` ends the call; `item` is one of a stream's items. */
  readonly kind: 'result' | 'item';
  /** The call answered. */
  readonly id: number;
  /** Its method. */
  readonly method: M;
  /** The value. */
  readonly value: WorkerValue<M>;
}

/** The stream of call `id` ended. */
export interface WorkerEnd {
  /** Always `end`. */
  readonly kind: 'end';
  /** The call. */
  readonly id: number;
}

/** Call `id` failed. */
export interface WorkerFailure {
  /** Always `error`. */
  readonly kind: 'error';
  /** The call. */
  readonly id: number;
  /** The error, its code kept. */
  readonly error: SerializedError;
}

/** Call `id` (a load) progressed. */
export interface WorkerProgress {
  /** Always `progress`. */
  readonly kind: 'progress';
  /** The call. */
  readonly id: number;
  /** How far. */
  readonly progress: LoadProgress;
}

/** The end of a stream, how a call failed, or the progress of a load. */
export type WorkerNotice = WorkerEnd | WorkerFailure | WorkerProgress;

/** A message from the worker to the page, answering a call. */
export type FromWorker = { [M in WorkerMethod]: WorkerAnswer<M> }[WorkerMethod] | WorkerNotice;

/**
 * The side of a channel to the other thread: a browser `Worker`, the worker's
 * `self`, a `MessagePort`, or {@link nodeEndpoint} around Node's.
 */
export interface Endpoint {
  /** Sends a message (structured clone; `transfer` moves buffers). */
  postMessage(message: unknown, transfer?: Transferable[]): void;
  /** Listens for messages. */
  addEventListener(type: 'message', listener: (event: { readonly data: unknown }) => void): void;
}

/** Node's `Worker` or `parentPort` (events by `on`) as an {@link Endpoint}. */
export function nodeEndpoint(port: { postMessage(message: unknown, transfer?: readonly unknown[]): void; on(event: 'message', listener: (data: unknown) => void): unknown }): Endpoint {
  return {
    postMessage: (message, transfer) => port.postMessage(message, transfer),
    addEventListener: (_type, listener) => void port.on('message', (data) => listener({ data })),
  };
}
