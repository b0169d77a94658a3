import { LlamitaError } from '@llamita/core';
import { Fields, parseJsonl } from '../jsonl.js';
import type { EvalItem } from '../item.js';
import { sameContext, type EvalTask } from './task.js';

/** lm-eval's HellaSwag `preprocess`: strip, ` [title]` to `. `, drop `[...]`, collapse double spaces. */
export function hellaswagPreprocess(text: string): string {
  return text
    .trim()
    .replaceAll(' [title]', '. ')
    .replace(/\[.*?\]/g, '')
    .replaceAll('  ', ' ');
}

/** Python's `str.capitalize`: the first character upper case, the rest lower case. */
const capitalize = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1).toLowerCase() : s);

/**
 * HellaSwag: llama.cpp's six-line text format (context, gold, four endings,
 * already preprocessed), or the dataset's JSONL (`activity_label`, `ctx_a`,
 * `ctx_b`, `endings`, `label`), preprocessed as lm-eval does.
 */
export const hellaswag: EvalTask = {
  name: 'hellaswag',
  description: "HellaSwag: llama.cpp's six-line format (hellaswag_val_full.txt) or the dataset's hellaswag_val.jsonl",
  metrics: ['acc', 'acc_norm'],
  parse(text, source) {
    return text.trimStart().startsWith('{') ? fromJsonl(text, source) : fromSixLines(text, source);
  },
};

function fromSixLines(text: string, source: string): EvalItem[] {
  // split on \n as llama.cpp's getline does, a final newline ending the last line
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length % 6 !== 0) throw new LlamitaError('E_BAD_FILE', `${source}: ${lines.length} lines is not a whole number of six-line HellaSwag tasks`);
  return Array.from({ length: lines.length / 6 }, (_, index) => {
    const block = lines.slice(6 * index, 6 * index + 6);
    const gold = Number(block[1]);
    if (!/^[0-3]$/.test(block[1]!.trim())) throw new LlamitaError('E_BAD_FILE', `${source}:${6 * index + 2}: the gold ending must be 0 to 3, got "${block[1]}"`, { line: 6 * index + 2 });
    const endings = block.slice(2);
    return { index, requests: sameContext(block[0]!, endings), gold, choiceTexts: endings };
  });
}

function fromJsonl(text: string, source: string): EvalItem[] {
  return parseJsonl(text, source).map((record, index) => {
    const f = new Fields(record, source);
    const endings = f.array('endings', (e) => {
      if (typeof e !== 'string') throw new Error(`must be a string, got ${JSON.stringify(e)}`);
      return hellaswagPreprocess(e);
    });
    const query = hellaswagPreprocess(`${f.string('activity_label')}: ${f.string('ctx_a')} ${capitalize(f.string('ctx_b'))}`);
    const label = record.value['label'];
    const gold = typeof label === 'string' && /^\d+$/.test(label) ? Number(label) : f.index('label', endings.length);
    if (gold >= endings.length) throw new LlamitaError('E_BAD_FILE', `${source}:${record.line}: label ${gold} is past the ${endings.length} endings`, { line: record.line });
    return { index, requests: sameContext(query, endings), gold, choiceTexts: endings };
  });
}
