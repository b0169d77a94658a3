import { LlamitaError } from '@llamita/core';
import type { Engine } from 'llamita';
import type { EvalItem } from './item.js';
import { itemMetrics, meanWithStderr, type MetricValue } from './metrics.js';
import { scoreItem, type ScoredItem, type Scoring } from './scoring.js';
import type { EvalTask, MetricName } from './tasks/task.js';

/** Progress of an evaluation. */
export interface EvalProgress {
  /** Items scored. */
  readonly done: number;
  /** Items in all. */
  readonly total: number;
  /** Tokens evaluated so far. */
  readonly tokens: number;
  /** Milliseconds since the start. */
  readonly elapsedMs: number;
}

/** Options of {@link evaluateTask}. */
export interface EvaluateOptions {
  /** `lm-eval` (default) or `llama.cpp` (HellaSwag and WinoGrande only). */
  readonly scoring?: Scoring;
  /** Score only the first N items. */
  readonly limit?: number;
  /** Called after each item. */
  readonly onProgress?: (p: EvalProgress) => void;
  /** Stops between items (the promise rejects with `E_ABORTED`). */
  readonly signal?: AbortSignal;
}

/** One item's record, as lm-eval's `--log_samples` keeps it. */
export interface ItemRecord extends ScoredItem {
  /** Its metrics. */
  readonly metrics: Record<MetricName, 0 | 1>;
}

/** A task's results. */
export interface TaskResult {
  /** The task. */
  readonly task: string;
  /** How it was scored. */
  readonly scoring: Scoring;
  /** Items scored. */
  readonly n: number;
  /** Each metric the task reports, with its standard error. */
  readonly metrics: Partial<Record<MetricName, MetricValue>>;
  /** Every item. */
  readonly items: readonly ItemRecord[];
  /** Tokens evaluated (contexts once, then each choice's rest). */
  readonly tokens: number;
  /** Wall time in milliseconds. */
  readonly elapsedMs: number;
}

/**
 * Scores `items` of `task` with `engine`: each item's common context is
 * evaluated once and each choice from the cached prefix. Load the engine with
 * an f32 KV cache to compare with lm-eval (which keeps the cache in the
 * model's own dtype).
 * @throws LlamitaError `E_ABORTED` when `signal` aborts; `E_INVALID_ARGUMENT` for llama.cpp scoring of another task.
 */
export async function evaluateTask(engine: Engine, task: EvalTask, items: readonly EvalItem[], options: EvaluateOptions = {}): Promise<TaskResult> {
  const scoring = options.scoring ?? 'lm-eval';
  if (scoring === 'llama.cpp' && task.name !== 'hellaswag' && task.name !== 'winogrande') {
    throw new LlamitaError('E_INVALID_ARGUMENT', `llama.cpp scoring exists for hellaswag and winogrande only, not ${task.name}`);
  }
  const chosen = options.limit === undefined ? items : items.slice(0, options.limit);
  const start = performance.now();
  const records: ItemRecord[] = [];
  let tokens = 0;
  for (const item of chosen) {
    if (options.signal?.aborted) throw new LlamitaError('E_ABORTED', `evaluation aborted after ${records.length} of ${chosen.length} items`);
    const scored = await scoreItem(engine, item, task.name, scoring);
    tokens += scored.tokens;
    records.push({ ...scored, metrics: itemMetrics(scored) });
    options.onProgress?.({ done: records.length, total: chosen.length, tokens, elapsedMs: performance.now() - start });
  }
  // llama.cpp's rules give one score per choice, compared as lm-eval's acc compares sums
  const names: readonly MetricName[] = scoring === 'llama.cpp' ? ['acc'] : task.metrics;
  const metrics = Object.fromEntries(names.map((name) => [name, meanWithStderr(records.map((r) => r.metrics[name]))]));
  return { task: task.name, scoring, n: records.length, metrics, items: records, tokens, elapsedMs: performance.now() - start };
}
