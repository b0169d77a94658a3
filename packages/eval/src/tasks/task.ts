import type { EvalItem } from '../item.js';

/** The metrics lm-eval reports for a task. */
export type MetricName = 'acc' | 'acc_norm';

/** Files beside the data a task may need (PIQA's labels). */
export interface TaskFiles {
  /** PIQA's `valid-labels.lst` (0 = sol1, 1 = sol2, one a line), when the items do not carry `label`. */
  readonly labels?: string;
}

/** A benchmark: how its file becomes items, as lm-eval 0.4's task builds its requests. */
export interface EvalTask {
  /** Its name, as `llamita eval --task` takes it. */
  readonly name: string;
  /** What it is and what file it reads. */
  readonly description: string;
  /** The metrics lm-eval's built-in task reports. */
  readonly metrics: readonly MetricName[];
  /**
   * The items of `text` (the file's content; `source` names it in errors).
   * @throws LlamitaError `E_BAD_FILE` naming the line and field that is malformed or missing.
   */
  parse(text: string, source: string, files?: TaskFiles): EvalItem[];
}

/** Continuations of choices after lm-eval's target delimiter (a space). */
export const delimited = (choices: readonly string[]) => choices.map((c) => ` ${c}`);

/** One request per choice, all after the same context. */
export function sameContext(context: string, choices: readonly string[]) {
  return delimited(choices).map((continuation) => ({ context, continuation }));
}
