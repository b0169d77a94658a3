/**
 * llama.cpp's own HellaSwag scorer (`llama-perplexity --hellaswag`) on the
 * first `items` items of a six-line HellaSwag file, for the eval-speed
 * benchmark's side-by-side row. It prints no timings of its own for this
 * mode: the scoring time is the process's wall time after its log line that
 * starts scoring (log timestamps are minutes.seconds.ms.µs since start), so
 * model loading is excluded, as on our side.
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
  /** Milliseconds from the start of scoring to the process's end. */
  readonly scoring_ms: number;
  readonly items_per_s: number;
}

/** When the log line containing `text` was written, in ms since the process started (`M.SS.mmm.uuu` prefix). */
function logTime(output: string, text: string): number {
  const m = new RegExp(`^(\\d+)\\.(\\d+)\\.(\\d+)\\.(\\d+) . .*${text}`, 'm').exec(output);
  if (!m) throw new Error(`llama-perplexity printed no "${text}" line:\n${output.slice(-2000)}`);
  return Number(m[1]) * 60_000 + Number(m[2]) * 1000 + Number(m[3]) + Number(m[4]) / 1000;
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
    const started = performance.now();
    const ran = spawnSync(run.binary, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
    const wallMs = performance.now() - started;
    const all = `${ran.stdout}\n${ran.stderr}`;
    if (ran.status !== 0) throw new Error(`llama-perplexity exited with ${ran.status ?? ran.signal}:\n${all.slice(-2000)}`);
    const scoringMs = wallMs - logTime(all, 'calculating hellaswag score');
    const scores = [...all.matchAll(/^(\d+)\t([\d.]+)/gm)];
    const last = scores.at(-1);
    if (!last || Number(last[1]) !== run.items) throw new Error(`llama-perplexity did not score ${run.items} items:\n${all.slice(-2000)}`);
    return {
      items: run.items,
      acc_norm: Number(last[2]),
      scoring_ms: Math.round(scoringMs),
      items_per_s: +(run.items / (scoringMs / 1000)).toFixed(2),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
