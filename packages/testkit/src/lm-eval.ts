import { readFileSync } from 'node:fs';
import { fixturePath } from './fixtures.js';

/** lm-evaluation-harness 0.4's per-item record for stories260K (../shared/fixtures/eval/reference/TASK.lm-eval.jsonl). */
export interface LmEvalItem {
  readonly index: number;
  readonly choices_loglik: number[];
  readonly choices_is_greedy: boolean[];
  readonly acc: number;
  readonly acc_norm?: number;
  readonly target: number;
}

/** lm-eval's records of one task, in item order. */
export function lmEvalReference(task: string): LmEvalItem[] {
  return readFileSync(fixturePath(`eval/reference/${task}.lm-eval.jsonl`), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as LmEvalItem);
}

/** lm-eval's totals of one task (summary.json). */
export function lmEvalSummary(task: string): { acc: number; acc_stderr: number; acc_norm?: number } {
  return (JSON.parse(readFileSync(fixturePath('eval/reference/summary.json'), 'utf8')) as { tasks: Record<string, { acc: number; acc_stderr: number; acc_norm?: number }> }).tasks[task]!;
}

/** One scored item as `@llamita/eval` records it (the fields compared). */
export interface ScoredItemLike {
  readonly gold: number;
  readonly scores: readonly number[];
  readonly greedy: readonly boolean[];
  readonly metrics: { readonly acc?: number; readonly acc_norm?: number };
}

/**
 * Compares scored items with lm-eval's records: the largest log-likelihood
 * difference, and each item whose gold, greedy flags, acc or acc_norm differ
 * (as `item N: what`).
 */
export function compareWithLmEval(items: readonly ScoredItemLike[], reference: readonly LmEvalItem[]): { worst: number; mismatches: string[] } {
  let worst = 0;
  const mismatches: string[] = [];
  for (const [i, want] of reference.entries()) {
    const got = items[i];
    if (!got) {
      mismatches.push(`item ${i}: missing`);
      continue;
    }
    got.scores.forEach((s, k) => (worst = Math.max(worst, Math.abs(s - want.choices_loglik[k]!))));
    if (got.gold !== want.target) mismatches.push(`item ${i}: gold ${got.gold}, lm-eval ${want.target}`);
    if (got.greedy.join() !== want.choices_is_greedy.join()) mismatches.push(`item ${i}: greedy ${got.greedy.join()}, lm-eval ${want.choices_is_greedy.join()}`);
    if (got.metrics.acc !== want.acc) mismatches.push(`item ${i}: acc ${got.metrics.acc}, lm-eval ${want.acc}`);
    if (want.acc_norm !== undefined && got.metrics.acc_norm !== want.acc_norm) mismatches.push(`item ${i}: acc_norm ${got.metrics.acc_norm}, lm-eval ${want.acc_norm}`);
  }
  return { worst, mismatches };
}
