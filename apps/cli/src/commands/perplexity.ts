import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { perplexity, score } from 'llamita';
import { UsageError } from '../cli-error.js';
import { openEngine } from '../open-engine.js';
import { intFlag, joinNegativeValues } from '../options.js';

export const perplexityHelp = `llamita perplexity --model FILE --file TEXT --ctx N [--json] [--backend NAME]

Perplexity as llama.cpp's perplexity tool computes it (chunks of N tokens,
BOS first, second half of each chunk scored). Prints running estimates.`;

export const scoreHelp = `llamita score --model FILE --file TEXT [--max-tokens N] --json

Teacher-forces the text (BOS first) and prints {tokens, logprobs, top1}.`;

function textFile(path: string | undefined): string {
  if (path === undefined) throw new UsageError('--file is required');
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new UsageError(`cannot read --file ${path}`);
  }
}

/** `llamita perplexity`. */
export async function perplexityCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: joinNegativeValues(argv),
    options: { model: { type: 'string' }, file: { type: 'string' }, ctx: { type: 'string' }, json: { type: 'boolean', default: false }, backend: { type: 'string' } },
  });
  const text = textFile(values.file);
  const ctx = intFlag('ctx', values.ctx, 512, 4);
  const engine = await openEngine({ model: values.model, backend: values.backend, contextSize: ctx });
  const result = await perplexity(engine, text, ctx, (p) => {
    if (!values.json) process.stdout.write(`[${p.chunk}/${p.chunks}] ${p.ppl.toFixed(4)}\n`);
  });
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`Final estimate: PPL = ${result.ppl.toFixed(4)} (${result.chunks} chunks, ${result.tokens} tokens scored)\n`);
  engine.dispose();
}

/** `llamita score`. */
export async function scoreCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: joinNegativeValues(argv),
    options: { model: { type: 'string' }, file: { type: 'string' }, 'max-tokens': { type: 'string' }, json: { type: 'boolean', default: false }, backend: { type: 'string' } },
  });
  const text = textFile(values.file);
  const maxTokens = intFlag('max-tokens', values['max-tokens'], Number.MAX_SAFE_INTEGER, 1);
  const engine = await openEngine({ model: values.model, backend: values.backend });
  const result = await score(engine, text, Math.min(maxTokens, engine.model.contextSize));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  engine.dispose();
}
