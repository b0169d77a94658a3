/**
 * llama.cpp's own HellaSwag scorer (`llama-perplexity --hellaswag`) on the
 * first `items` items of a six-line HellaSwag file, for the eval-speed
 * benchmark's side-by-side row. Its timings come from the `llama_perf` lines
 * it prints (model loading excluded, as on our side).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What to run. */
export interface LlamaHellaswagRun {
  readonly binary: string;
  readonly model: string;
  /** llama.cpp's HellaSwag text file (six lines an item). */
  readonly data: string;
  readonly items: number;
  readonly threads: number;
  readonly contextSize: number;
}

/** What llama.cpp measured and scored. */
export interface LlamaHellaswagResult {
  readonly items: number;
  /** Its final acc_norm, in percent (it prints nothing else). */
  readonly acc_norm: number;
  readonly prompt_eval_ms: number;
  readonly prompt_eval_tokens: number;
  readonly items_per_s: number;
  readonly tok_s: number;
}

/** Milliseconds and tokens of one `llama_perf_context_print` line, e.g. `prompt eval time = 123.4 ms / 567 tokens`. */
function perf(output: string, what: string): { ms: number; tokens: number } {
  const m = new RegExp(`${what} time =\\s*([\\d.]+) ms /\\s*(\\d+) tokens`).exec(output);
  if (!m) throw new Error(`llama-perplexity printed no "${what} time" line:\n${output.slice(-2000)}`);
  return { ms: Number(m[1]), tokens: Number(m[2]) };
}

/** Runs llama.cpp on the same items (all of a file cut to `items`, so that it takes them in order, not a random draw). */
export function runLlamaHellaswag(run: LlamaHellaswagRun): LlamaHellaswagResult {
  const dir = mkdtempSync(join(tmpdir(), 'llama-hellaswag-'));
  try {
    const lines = readFileSync(run.data, 'utf8').split('\n');
    const file = join(dir, 'items.txt');
    writeFileSync(file, `${lines.slice(0, 6 * run.items).join('\n')}\n`);
    const args = ['-m', run.model, '-f', file, '--hellaswag', '--hellaswag-tasks', String(run.items), '-t', String(run.threads), '-c', String(run.contextSize)];
    // scores go to stdout, timings to stderr
    const ran = spawnSync(run.binary, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
    const all = `${ran.stdout}\n${ran.stderr}`;
    if (ran.status !== 0) throw new Error(`llama-perplexity exited with ${ran.status ?? ran.signal}:\n${all.slice(-2000)}`);
    const prompt = perf(all, 'prompt eval');
    const scores = [...all.matchAll(/^(\d+)\t([\d.]+)/gm)];
    const last = scores.at(-1);
    if (!last || Number(last[1]) !== run.items) throw new Error(`llama-perplexity did not score ${run.items} items:\n${all.slice(-2000)}`);
    return {
      items: run.items,
      acc_norm: Number(last[2]),
      prompt_eval_ms: prompt.ms,
      prompt_eval_tokens: prompt.tokens,
      items_per_s: +(run.items / (prompt.ms / 1000)).toFixed(2),
      tok_s: Math.round(prompt.tokens / (prompt.ms / 1000)),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
