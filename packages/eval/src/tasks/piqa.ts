import { LlamitaError } from '@llamita/core';
import { Fields, parseJsonl } from '../jsonl.js';
import { sameContext, type EvalTask } from './task.js';

/** PIQA (`valid.jsonl` with `valid-labels.lst`, or records with `label`): `Question: {goal}\nAnswer:`, choices sol1 and sol2. */
export const piqa: EvalTask = {
  name: 'piqa',
  description: 'PIQA: the official valid.jsonl (goal, sol1, sol2) with valid-labels.lst (--labels), or records carrying label',
  metrics: ['acc', 'acc_norm'],
  parse(text, source, files = {}) {
    const records = parseJsonl(text, source);
    const labels = files.labels?.split('\n').filter((l) => l.trim() !== '');
    if (labels && labels.length < records.length) throw new LlamitaError('E_BAD_FILE', `the labels file has ${labels.length} lines for ${records.length} PIQA items`);
    return records.map((record, index) => {
      const f = new Fields(record, source);
      const choices = [f.string('sol1'), f.string('sol2')];
      const gold = labels ? labelOf(labels[index]!, index) : 'label' in record.value ? f.index('label', 2) : missingLabels();
      return { index, requests: sameContext(`Question: ${f.string('goal')}\nAnswer:`, choices), gold, choiceTexts: choices };
    });
  },
};

function labelOf(line: string, index: number): number {
  const label = line.trim();
  if (label !== '0' && label !== '1') throw new LlamitaError('E_BAD_FILE', `labels file line ${index + 1}: "${label}" is not 0 or 1`, { line: index + 1 });
  return Number(label);
}

function missingLabels(): never {
  throw new LlamitaError('E_INVALID_ARGUMENT', "PIQA's valid.jsonl has no answers: give its valid-labels.lst (--labels FILE)");
}
