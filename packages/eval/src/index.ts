/**
 * The TinyLlama paper's commonsense benchmarks (HellaSwag, PIQA, WinoGrande,
 * BoolQ, OpenBookQA, ARC-Easy, ARC-Challenge, and any multiple-choice JSONL),
 * read from the datasets' own files and scored as lm-evaluation-harness 0.4
 * scores them (or as llama.cpp's `llama-perplexity` does), in Node or a browser.
 *
 * ```ts
 * import { evaluateTask, taskByName } from '@llamita/eval';
 * const task = taskByName('piqa');
 * const result = await evaluateTask(engine, task, task.parse(jsonl, 'valid.jsonl', { labels }));
 * console.log(result.metrics.acc_norm);
 * ```
 * @packageDocumentation
 */
export { TASKS, taskByName } from './tasks/index.js';
export { type EvalTask, type MetricName, type TaskFiles } from './tasks/task.js';
export { hellaswagPreprocess } from './tasks/hellaswag.js';
export { type EvalItem, type EvalRequest, type FilledSentences } from './item.js';
export { parseJsonl, Fields, type JsonlRecord } from './jsonl.js';
export { scoreAlternatives, type ScoredSequence, type TokenScores, type AlternativeScores } from './loglik.js';
export { scoreItem, type ScoredItem, type Scoring } from './scoring.js';
export { argmax, itemMetrics, meanWithStderr, type MetricValue } from './metrics.js';
export { evaluateTask, type EvaluateOptions, type EvalProgress, type ItemRecord, type TaskResult } from './evaluate.js';
export { TINYLLAMA_PAPER } from './paper.js';
