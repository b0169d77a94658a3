import { LlamitaError } from '@llamita/core';
import { boolq } from './boolq.js';
import { hellaswag } from './hellaswag.js';
import { arcChallenge, arcEasy, multipleChoice, openbookqa } from './multiple-choice.js';
import { piqa } from './piqa.js';
import type { EvalTask } from './task.js';
import { winogrande } from './winogrande.js';

/** Every task, by name. */
export const TASKS: ReadonlyMap<string, EvalTask> = new Map([hellaswag, piqa, winogrande, boolq, openbookqa, arcEasy, arcChallenge, multipleChoice].map((t) => [t.name, t]));

/**
 * The task of this name.
 * @throws LlamitaError `E_INVALID_ARGUMENT` naming the tasks there are.
 */
export function taskByName(name: string): EvalTask {
  const task = TASKS.get(name);
  if (!task) throw new LlamitaError('E_INVALID_ARGUMENT', `unknown task "${name}" (tasks: ${[...TASKS.keys()].join(', ')})`);
  return task;
}
