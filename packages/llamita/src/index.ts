/**
 * llamita: run Llama-family language models locally, in Node.js and the browser.
 *
 * ```ts
 * import { loadModel } from 'llamita';
 * import { jsBackend } from '@llamita/backend-js';
 * const engine = await loadModel(file, { backend: jsBackend });
 * for await (const { text } of engine.generate('Once upon a time', { temperature: 0 })) process.stdout.write(text);
 * ```
 * @packageDocumentation
 */
export { loadModel, loadCheckpoint, Engine, type LoadModelOptions, type EnginePlacement, type ChatApi, type FailoverEvent } from './engine.js';
export { Session, type SessionSnapshot, type GenerateOptions, type GeneratedToken, type GenerationStats, type FinishReason, type SessionHost } from './session.js';
export { type TokenLogprob } from './logprobs.js';
export { ChatFormat, FALLBACK_CHAT_TEMPLATE } from './chat-format.js';
export { ChatCompletions, Completions, type RequestOptions } from './openai/api.js';
export { REQUEST_LIMITS } from './openai/requests.js';
export type {
  ChatCompletionRequest,
  CompletionRequest,
  ChatCompletionMessageParam,
  TextContentPart,
  ResponseFormat,
  TextFormat,
  JsonObjectFormat,
  JsonSchemaFormat,
  JsonSchemaSpec,
  StreamOptions,
  SamplingParams,
} from './openai/request-types.js';
export type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionTokenLogprob,
  ChatChoiceLogprobs,
  ChatCompletionChoice,
  ChatCompletionMessage,
  ChatCompletionChunkChoice,
  ChatCompletionDelta,
  CompletionChoice,
  CompletionChunkChoice,
  PromptTokensDetails,
  Completion,
  CompletionChunk,
  CompletionLogprobs,
  CompletionUsage,
  TopLogprob,
  ApiFinishReason,
} from './openai/responses.js';
export { JsonTokenMask } from './json-mask.js';
export { placeOnBackend, type BackendChoice, type BackendOption, type SkippedBackend, type Placed } from './backend-choice.js';
export { benchmark, benchmarkPrompt, type BenchmarkOptions, type BenchmarkResult } from './benchmark.js';
export { perplexity, score, logProb, type PerplexityProgress, type PerplexityResult, type ScoreResult } from './evaluate.js';
