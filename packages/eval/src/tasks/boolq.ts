import { Fields, parseJsonl } from '../jsonl.js';
import { sameContext, type EvalTask } from './task.js';

/** BoolQ (dev.jsonl, or records with `label`): `{passage}\nQuestion: {question}?\nAnswer:`, choices no and yes. */
export const boolq: EvalTask = {
  name: 'boolq',
  description: 'BoolQ: dev.jsonl (question, passage, answer true/false)',
  metrics: ['acc'],
  parse(text, source) {
    return parseJsonl(text, source).map((record, index) => {
      const f = new Fields(record, source);
      const gold = 'label' in record.value ? f.index('label', 2) : f.boolean('answer') ? 1 : 0;
      const choices = ['no', 'yes'];
      return { index, requests: sameContext(`${f.string('passage')}\nQuestion: ${f.string('question')}?\nAnswer:`, choices), gold, choiceTexts: choices };
    });
  },
};
