import { LlamitaError } from '@llamita/core';
import { Fields, parseJsonl } from '../jsonl.js';
import type { EvalTask } from './task.js';

/**
 * WinoGrande (dev.jsonl): lm-eval's partial scoring. Each option fills the
 * blank in its own context (`sentence` up to `_`, then the option); the scored
 * continuation is the rest of the sentence, the same for both.
 */
export const winogrande: EvalTask = {
  name: 'winogrande',
  description: 'WinoGrande 1.1: dev.jsonl (sentence with one _, option1, option2, answer "1" or "2")',
  metrics: ['acc'],
  parse(text, source) {
    return parseJsonl(text, source).map((record, index) => {
      const f = new Fields(record, source);
      const sentence = f.string('sentence');
      const blank = sentence.indexOf('_');
      if (blank < 0) throw new LlamitaError('E_BAD_FILE', `${source}:${record.line}: field "sentence" has no _ to fill`, { line: record.line });
      const answer = f.string('answer');
      if (answer !== '1' && answer !== '2') throw new LlamitaError('E_BAD_FILE', `${source}:${record.line}: field "answer" must be "1" or "2", got ${JSON.stringify(answer)}`, { line: record.line });
      const contexts = [f.string('option1'), f.string('option2')].map((option) => sentence.slice(0, blank) + option);
      const continuation = ` ${sentence.slice(blank + 1).trim()}`;
      const filled = { sentences: contexts.map((c) => c + sentence.slice(blank + 1)), upToOption: contexts };
      return { index, requests: contexts.map((context) => ({ context, continuation })), gold: answer === '1' ? 0 : 1, choiceTexts: contexts, filled };
    });
  },
};
