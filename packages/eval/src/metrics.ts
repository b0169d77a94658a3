import type { MetricName } from './tasks/task.js';
import type { ScoredItem } from './scoring.js';

/** The first index of the largest value (numpy's argmax). */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

/** Per item: `acc` (the highest score is the gold's) and `acc_norm` (the same with each score divided by its choice's length in characters, as lm-eval does). */
export function itemMetrics(item: ScoredItem): Record<MetricName, 0 | 1> {
  const norm = item.scores.map((s, k) => s / item.lengths[k]!);
  return { acc: argmax(item.scores) === item.gold ? 1 : 0, acc_norm: argmax(norm) === item.gold ? 1 : 0 };
}

/** A metric over a task's items: its mean and lm-eval's standard error, sqrt(p(1-p)/(n-1)). */
export interface MetricValue {
  /** Mean over the items. */
  readonly value: number;
  /** Sample standard error of the mean. */
  readonly stderr: number;
}

/** The mean of 0/1 values and its standard error as lm-eval reports it. */
export function meanWithStderr(values: readonly number[]): MetricValue {
  const n = values.length;
  const p = values.reduce((a, b) => a + b, 0) / Math.max(1, n);
  return { value: p, stderr: n > 1 ? Math.sqrt((p * (1 - p)) / (n - 1)) : 0 };
}
