/**
 * An engine in a Web Worker or a Node worker thread, with the engine's API:
 * in the worker, `exposeEngine(self, { backends })`; on the page,
 * `createWorkerEngine(worker, { model, backends: ['wasm'] })`.
 *
 * ```ts
 * // worker.ts
 * import { exposeEngine } from 'llamita/worker';
 * import { wasmBackend } from '@llamita/backend-wasm';
 * exposeEngine(self, { backends: { wasm: wasmBackend } });
 * // page
 * const engine = await createWorkerEngine(new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' }), { model: file, backends: ['wasm'] });
 * const session = await engine.createSession();
 * for await (const { text } of session.generate('Once upon a time', { maxTokens: 64 })) output.append(text);
 * ```
 * @packageDocumentation
 */
export { exposeEngine, type ExposeOptions } from './worker/expose.js';
export {
  createWorkerEngine,
  connectWorkerEngine,
  WorkerEngine,
  WorkerSession,
  WorkerChannel,
  type CallOptions,
  type WorkerChatApi,
  type WorkerChatCompletions,
  type WorkerCompletions,
} from './worker/client.js';
export {
  nodeEndpoint,
  type Endpoint,
  type WorkerApi,
  type WorkerMethod,
  type WorkerValue,
  type ToWorker,
  type FromWorker,
  type WorkerLoadRequest,
  type WorkerEngineInfo,
  type WorkerGenerateOptions,
  type WorkerSessionState,
  type WorkerCall,
  type WorkerAbort,
  type WorkerAnswer,
  type WorkerNotice,
  type WorkerEnd,
  type WorkerFailure,
  type WorkerProgress,
} from './worker/protocol.js';
// the engine's types the worker API speaks in, so that this entry documents itself
export type { GenerateOptions, GeneratedToken, GenerationStats, FinishReason } from './session.js';
export type { BackendChoice, SkippedBackend } from './backend-choice.js';
export type { RequestOptions } from './openai/api.js';
export type * from './openai/request-types.js';
export type * from './openai/responses.js';
export type { TokenLogprob } from './logprobs.js';
