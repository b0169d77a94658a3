import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateTask, taskByName, TASKS, TINYLLAMA_PAPER, type EvalProgress, type Scoring, type TaskResult } from '@llamita/eval';
import { UsageError } from '../cli-error.js';
import { ENGINE_FLAGS, ENGINE_HELP, engineArgsFromFlags } from '../engine-flags.js';
import { openEngine } from '../open-engine.js';
import { intFlag, joinNegativeValues } from '../options.js';

export const evalHelp = `llamita eval --task NAME --data FILE [--model M] [options]

Scores a commonsense benchmark as lm-evaluation-harness 0.4 does (zero-shot:
the log-likelihood of each choice after the task's prompt; acc, and acc_norm
where lm-eval reports it, with standard errors). Tasks and the files they read:
${[...TASKS.values()].map((t) => `  ${t.name.padEnd(16)}${t.description}`).join('\n')}
  --labels FILE      PIQA's valid-labels.lst (its valid.jsonl has no answers)
  --limit N          the first N items only
  --scoring MODE     lm-eval (default), or llama.cpp for hellaswag and winogrande
                     (llama-perplexity --hellaswag / --winogrande: mean per token)
  --compare paper    print the TinyLlama paper's score beside ours
  --output DIR       write results.json and samples_TASK.jsonl (per-item scores, like lm-eval's --log_samples)
  --json             print the results as one JSON object
  --kv-type f16|f32  the KV cache's type (default: f32 for lm-eval scoring, f16 for llama.cpp's;
                     f16 runs the wasm backend's fast attention, at a small cost in exactness)
${ENGINE_HELP}
lm-eval keeps the KV cache in the model's dtype and llama.cpp in f16: the defaults of --kv-type.`;

/** `llamita eval`. */
export async function evalCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: joinNegativeValues(argv),
    options: {
      ...ENGINE_FLAGS,
      task: { type: 'string' },
      data: { type: 'string' },
      labels: { type: 'string' },
      limit: { type: 'string' },
      scoring: { type: 'string', default: 'lm-eval' },
      compare: { type: 'string' },
      output: { type: 'string' },
      json: { type: 'boolean', default: false },
      'kv-type': { type: 'string' },
    },
  });
  if (!values.task) throw new UsageError(`--task is required (${[...TASKS.keys()].join(', ')})`);
  if (!values.data) throw new UsageError('--data FILE is required (the task data file)');
  if (values.scoring !== 'lm-eval' && values.scoring !== 'llama.cpp') throw new UsageError('--scoring takes lm-eval or llama.cpp');
  if (values.compare !== undefined && values.compare !== 'paper') throw new UsageError('--compare takes "paper" (the TinyLlama paper\'s scores)');
  const task = (() => {
    try {
      return taskByName(values.task);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  })();
  const items = task.parse(readText(values.data, '--data'), values.data, values.labels === undefined ? {} : { labels: readText(values.labels, '--labels') });
  const limit = values.limit === undefined ? undefined : intFlag('limit', values.limit, 0, 1);

  // lm-eval keeps the cache in the model's dtype (f32 here); llama.cpp's tools keep it in f16
  const kvType = values['kv-type'] ?? (values.scoring === 'llama.cpp' ? 'f16' : 'f32');
  if (kvType !== 'f16' && kvType !== 'f32') throw new UsageError('--kv-type takes f16 or f32');
  const engine = await openEngine({ ...engineArgsFromFlags(values, true), kvType });
  const result = await evaluateTask(engine, task, items, {
    scoring: values.scoring as Scoring,
    ...(limit !== undefined && { limit }),
    onProgress: evalProgressBar(),
  });
  engine.dispose();

  if (values.output !== undefined) writeOutput(values.output, result);
  const tokensPerSecond = result.tokens / (result.elapsedMs / 1000);
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ task: result.task, scoring: result.scoring, n: result.n, metrics: result.metrics, tokens: result.tokens, elapsed_ms: Math.round(result.elapsedMs), tokens_per_s: Math.round(tokensPerSecond) })}\n`,
    );
    return;
  }
  process.stdout.write(resultsTable(result, values.compare === 'paper'));
  process.stderr.write(`${result.n} items, ${result.tokens} tokens in ${(result.elapsedMs / 1000).toFixed(1)} s (${tokensPerSecond.toFixed(0)} tokens/s)\n`);
}

/** The results as the paper's table: task, metric, value, stderr, n (and the paper's score). */
function resultsTable(result: TaskResult, paper: boolean): string {
  const rows = Object.entries(result.metrics).map(([metric, m]) => {
    const row = [result.task, metric, (100 * m.value).toFixed(2), (100 * m.stderr).toFixed(2), String(result.n)];
    // the paper reports acc_norm where the task has it
    const compared = result.metrics.acc_norm ? 'acc_norm' : 'acc';
    if (paper) row.push(metric === compared && TINYLLAMA_PAPER[result.task] !== undefined ? TINYLLAMA_PAPER[result.task]!.toFixed(2) : '');
    return row;
  });
  const head = ['task', 'metric', 'value', 'stderr', 'n', ...(paper ? ['TinyLlama paper'] : [])];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |\n`;
  return line(head) + line(widths.map((w) => '-'.repeat(w))) + rows.map(line).join('');
}

function writeOutput(dir: string, result: TaskResult): void {
  mkdirSync(dir, { recursive: true });
  const { items, ...summary } = result;
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(summary, null, 1)}\n`);
  writeFileSync(
    join(dir, `samples_${result.task}.jsonl`),
    items.map((r) => JSON.stringify({ index: r.index, target: r.gold, choices_score: r.scores, choices_is_greedy: r.greedy, choice_lengths: r.lengths, ...r.metrics })).join('\n') + '\n',
  );
}

/** A progress line with ETA on stderr, drawn only when stderr is a terminal. */
function evalProgressBar(): (p: EvalProgress) => void {
  if (!process.stderr.isTTY) return () => {};
  return (p) => {
    const frac = p.done / p.total;
    const width = 30;
    const eta = p.done > 0 ? ((p.elapsedMs / p.done) * (p.total - p.done)) / 1000 : 0;
    process.stderr.write(`\rscoring [${'#'.repeat(Math.round(frac * width)).padEnd(width)}] ${p.done}/${p.total}, ${(p.tokens / (p.elapsedMs / 1000)).toFixed(0)} tok/s, ETA ${eta.toFixed(0)} s `);
    if (p.done === p.total) process.stderr.write('\n');
  };
}

function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`${flag} ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (e as Error).message}`);
  }
}
