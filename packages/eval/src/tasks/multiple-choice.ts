import { LlamitaError } from '@llamita/core';
import { Fields, parseJsonl, type JsonlRecord } from '../jsonl.js';
import type { EvalItem } from '../item.js';
import { sameContext, type EvalTask } from './task.js';

/**
 * The question, choices and answer of AI2's layout (`question.stem`,
 * `question.choices[{text,label}]`, `answerKey`, as OpenBookQA's and ARC's
 * JSONL files publish them) or Hugging Face's flattened one
 * (`question_stem`/`question`, `choices.text`, `choices.label`).
 */
function ai2Item(record: JsonlRecord, source: string, index: number, context: (stem: string) => string): EvalItem {
  const f = new Fields(record, source);
  const nested = typeof record.value['question'] === 'object';
  const stem = nested ? f.string('question.stem') : f.string('question_stem' in record.value ? 'question_stem' : 'question');
  const texts = nested ? f.array('question.choices', (c) => new Fields({ line: record.line, value: c as Record<string, unknown> }, source).string('text')) : f.array('choices.text', textOf);
  const labels = nested ? f.array('question.choices', (c) => new Fields({ line: record.line, value: c as Record<string, unknown> }, source).string('label')) : f.array('choices.label', textOf);
  const gold = labels.indexOf(f.string('answerKey').trimStart());
  if (gold < 0) throw new LlamitaError('E_BAD_FILE', `${source}:${record.line}: answerKey "${f.string('answerKey')}" is not one of the labels ${labels.join(', ')}`, { line: record.line });
  return { index, requests: sameContext(context(stem), texts), gold, choiceTexts: texts };
}

function textOf(v: unknown): string {
  if (typeof v !== 'string') throw new Error(`must be a string, got ${JSON.stringify(v)}`);
  return v;
}

/** OpenBookQA (main): the question stem alone as the context, the four choice texts. */
export const openbookqa: EvalTask = {
  name: 'openbookqa',
  description: "OpenBookQA (main): AI2's test.jsonl (question.stem, question.choices, answerKey) or HF's flattened records",
  metrics: ['acc', 'acc_norm'],
  parse: (text, source) => parseJsonl(text, source).map((r, i) => ai2Item(r, source, i, (stem) => stem)),
};

/** An ARC task: `Question: {question}\nAnswer:`, the choice texts. */
function arc(name: string, title: string): EvalTask {
  return {
    name,
    description: `${title}: AI2's ARC-V1-Feb2018 JSONL (question.stem, question.choices, answerKey) or HF's flattened records`,
    metrics: ['acc', 'acc_norm'],
    parse: (text, source) => parseJsonl(text, source).map((r, i) => ai2Item(r, source, i, (stem) => `Question: ${stem}\nAnswer:`)),
  };
}

/** ARC-Easy. */
export const arcEasy = arc('arc_easy', 'ARC-Easy');
/** ARC-Challenge. */
export const arcChallenge = arc('arc_challenge', 'ARC-Challenge');

/** Any multiple-choice JSONL: `{"context": "...", "choices": ["...", ...], "gold": 0}`, each choice scored after a space. */
export const multipleChoice: EvalTask = {
  name: 'multiple_choice',
  description: 'a generic multiple-choice JSONL: {"context": string, "choices": [string, ...], "gold": index}',
  metrics: ['acc', 'acc_norm'],
  parse(text, source) {
    return parseJsonl(text, source).map((record, index) => {
      const f = new Fields(record, source);
      const choices = f.array('choices', textOf);
      return { index, requests: sameContext(f.string('context'), choices), gold: f.index('gold', choices.length), choiceTexts: choices };
    });
  },
};
