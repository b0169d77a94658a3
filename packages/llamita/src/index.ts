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
export { loadModel, loadCheckpoint, Engine, type LoadModelOptions, type GenerateOptions, type GeneratedToken, type GenerationStats } from './engine.js';
export { JsonTokenMask } from './json-mask.js';
export { placeOnBackend, type BackendChoice, type BackendOption, type SkippedBackend, type Placed } from './backend-choice.js';
export { benchmark, benchmarkPrompt, type BenchmarkOptions, type BenchmarkResult } from './benchmark.js';
export { perplexity, score, logProb, type PerplexityProgress, type PerplexityResult, type ScoreResult } from './evaluate.js';
