// CPU speed of llamita's wasm backend against llama.cpp's WebAssembly build
// (wllama, in headless Chromium) and native llama.cpp (node-llama-cpp), side
// by side in one run: for each model and thread count, every engine in turn.
// Needs `pnpm build` (the CLI and apps/web/dist), /usr/bin/chromium, and for
// the native baseline the on-demand install in tools/llama-cpp-reference.
//
// Run: pnpm --filter @llamita/bench wasm-speed MODEL.gguf [MODEL.gguf…] [--threads 1,2] [--prompt 128] [--gen 64] [--repeats 3] [--rounds 1] [--engines LIST] [--out FILE.jsonl]
// (--engines: a comma-separated subset of native, node, node-plain, chromium, wllama; all by default.
// --rounds N runs the engines in turn N times, each with --repeats runs, and reports for each engine the
// median of its rounds' medians and the extremes of all its runs: on a shared machine, whose speed drifts
// by tens of percent over minutes, every engine then samples the same stretches of time.)
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readGguf, spmVocabFromGguf } from '@llamita/model';
import { fileSource } from '@llamita/model/node';
import { SpmTokenizer } from '@llamita/tokenizer';
import { benchmarkPrompt } from 'llamita';

const CHROMIUM = '/usr/bin/chromium';
const root = fileURLToPath(new URL('../../../', import.meta.url));
const webDist = join(root, 'apps/web/dist');
const wllamaDir = join(root, 'apps/bench/node_modules/@wllama/wllama/esm');
const cli = join(root, 'apps/cli/dist/main.js');
const nativeScript = join(root, 'tools/llama-cpp-reference/bench-native.mjs');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: 'string', default: '1,2' },
    prompt: { type: 'string', default: '128' },
    gen: { type: 'string', default: '64' },
    repeats: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '1' },
    engines: { type: 'string', default: 'native,node,node-plain,chromium,wllama' },
    out: { type: 'string' },
  },
});
// paths are relative to where the command was typed (pnpm --filter runs this from apps/bench; it keeps that directory in INIT_CWD)
const typedIn = process.env.INIT_CWD ?? process.cwd();
const models = positionals.map((m) => resolve(typedIn, m));
if (models.length === 0) throw new Error('usage: wasm-speed MODEL.gguf [MODEL.gguf…] [--threads 1,2] [--prompt 128] [--gen 64] [--repeats 3] [--out FILE.jsonl]');
const threadCounts = values.threads.split(',').map(Number);
const [promptTokens, genTokens, repeats, rounds] = [Number(values.prompt), Number(values.gen), Number(values.repeats), Number(values.rounds)];
const ENGINES = ['native', 'node', 'node-plain', 'chromium', 'wllama'] as const;
const engines = new Set(values.engines.split(','));
for (const e of engines) if (!(ENGINES as readonly string[]).includes(e)) throw new Error(`unknown engine ${e}: choose from ${ENGINES.join(', ')}`);

/** What each engine reports, as `llamita bench --json` does. */
interface Row {
  engine: string;
  model: string;
  threads: number;
  prefill_tok_s?: number;
  decode_tok_s?: number;
  prefill_spread?: number[];
  decode_spread?: number[];
  /** Rounds merged into this row (--rounds). */
  rounds?: number;
  note?: string;
}

// one server for the pages, wllama's files and the models: cross-origin isolated (threads), with range requests
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' };
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
const WLLAMA_PAGE = `<!doctype html><meta charset="utf-8"><title>wllama bench</title><script type="module">
import { Wllama } from '/wllama/index.js';
const p = new URLSearchParams(location.search);
const wllama = new Wllama({ default: '/wllama/wasm/wllama.wasm' }, { suppressNativeLog: true });
try {
  await wllama.loadModelFromUrl(p.get('model'), { n_threads: +p.get('threads'), n_ctx: +p.get('ctx'), n_batch: 512, n_gpu_layers: 0, useCache: false });
  const runs = [];
  for (let r = 0; r < +p.get('repeats'); r++) {
    const out = await wllama.createCompletion({ prompt: p.get('prompt'), max_tokens: +p.get('gen'), temperature: 0, ignore_eos: true, cache_prompt: false });
    runs.push(out.timings);
  }
  window.result = { runs, threads: wllama.getNumThreads(), multithread: wllama.isMultithread(), isolated: self.crossOriginIsolated };
} catch (e) { window.result = { error: String(e && e.message || e) }; }
</script>`;

function serveFile(req: IncomingMessage, res: ServerResponse, path: string): void {
  const size = statSync(path).size;
  const headers = { ...ISOLATION, 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream', 'Accept-Ranges': 'bytes' };
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (!range) {
    res.writeHead(200, { ...headers, 'Content-Length': size });
    createReadStream(path).pipe(res);
    return;
  }
  const start = Number(range[1]);
  const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
  res.writeHead(206, { ...headers, 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${size}` });
  createReadStream(path, { start, end }).pipe(res);
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/wllama.html') return void res.writeHead(200, { ...ISOLATION, 'Content-Type': 'text/html' }).end(WLLAMA_PAGE);
  const model = models.find((m) => url.pathname === `/models/${basename(m)}`);
  if (model) return serveFile(req, res, model);
  const [base, rest] = url.pathname.startsWith('/wllama/') ? [wllamaDir, url.pathname.slice('/wllama/'.length)] : [webDist, url.pathname];
  const path = normalize(join(base, rest));
  if (!path.startsWith(base) || !existsSync(path) || statSync(path).isDirectory()) return void res.writeHead(404).end();
  serveFile(req, res, path);
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });

/** Opens `path` and waits (up to 20 minutes) for `window.result`, or the bench page's result box. */
async function inBrowser(path: string, read: 'window' | 'bench-page'): Promise<Record<string, unknown>> {
  const page = await browser.newPage();
  try {
    await page.goto(`${origin}${path}`);
    if (read === 'window') {
      await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, undefined, { timeout: 1_200_000, polling: 1000 });
      return (await page.evaluate(() => (window as unknown as { result: Record<string, unknown> }).result)) as Record<string, unknown>;
    }
    await page.waitForFunction(() => /^(Done|Error)/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 1_200_000, polling: 1000 });
    const status = (await page.textContent('#status')) ?? '';
    if (status.startsWith('Error')) return { error: status };
    return JSON.parse((await page.textContent('#result')) ?? '{}') as Record<string, unknown>;
  } finally {
    await page.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const round = (x: number) => Math.round(x * 100) / 100;
const spread = (xs: number[]) => [round(Math.min(...xs)), round(Math.max(...xs))];

function llamitaNode(model: string, threads: number, plainSimd: boolean): Row {
  const args = [
    cli,
    'bench',
    '--model',
    model,
    '--backend',
    'wasm',
    '--threads',
    String(threads),
    '--prompt-tokens',
    String(promptTokens),
    '--gen-tokens',
    String(genTokens),
    '--repeats',
    String(repeats),
    '--json',
  ];
  const r = JSON.parse(execFileSync('node', plainSimd ? [...args, '--plain-simd'] : args, { encoding: 'utf8', maxBuffer: 1 << 24 })) as Row;
  return { ...r, engine: `llamita wasm, Node ${process.version}${plainSimd ? ', plain SIMD' : ', relaxed SIMD'}`, model };
}

function native(model: string, threads: number): Row {
  if (!existsSync(join(root, 'tools/llama-cpp-reference/node_modules/node-llama-cpp')))
    return { engine: 'llama.cpp native', model, threads, note: 'node-llama-cpp not installed (see tools/llama-cpp-reference/README.md)' };
  const out = execFileSync('node', [nativeScript, model, String(threads), String(promptTokens), String(genTokens), String(repeats)], { encoding: 'utf8' });
  return { ...(JSON.parse(out.trim().split('\n').at(-1)!) as Row), model };
}

async function llamitaBrowser(model: string, threads: number): Promise<Row> {
  const r = await inBrowser(`/bench.html?model=/models/${basename(model)}&threads=${threads}&prompt=${promptTokens}&gen=${genTokens}&repeats=${repeats}`, 'bench-page');
  if (r.error) return { engine: 'llamita wasm, Chromium', model, threads, note: String(r.error) };
  return { ...(r as unknown as Row), engine: `llamita wasm, Chromium (${String(r.backend_info)})`, model, threads };
}

async function wllama(model: string, threads: number, promptText: string): Promise<Row> {
  const q = new URLSearchParams({
    model: `/models/${basename(model)}`,
    threads: String(threads),
    ctx: String(promptTokens + genTokens + 64),
    gen: String(genTokens),
    repeats: String(repeats),
    prompt: promptText,
  });
  const r = await inBrowser(`/wllama.html?${q}`, 'window');
  if (r.error) return { engine: 'wllama', model, threads, note: String(r.error) };
  const runs = r.runs as { prompt_n: number; prompt_per_second: number; predicted_n: number; predicted_per_second: number }[];
  const prefill = runs.map((t) => t.prompt_per_second);
  const decode = runs.map((t) => t.predicted_per_second);
  return {
    engine: `wllama 3.13.0, Chromium (${String(r.threads)} threads${r.multithread ? '' : ', single-thread build'}; prompt ${runs[0]!.prompt_n} tokens, ${runs[0]!.predicted_n} generated)`,
    model,
    threads,
    prefill_tok_s: round(median(prefill)),
    decode_tok_s: round(median(decode)),
    prefill_spread: spread(prefill),
    decode_spread: spread(decode),
  };
}

/** The benchmark prompt as text (without BOS, which wllama adds), so wllama sees about the same tokens. */
async function promptText(model: string): Promise<string> {
  const source = await fileSource(model);
  const file = await readGguf(source);
  const tokenizer = new SpmTokenizer(spmVocabFromGguf(file));
  await source.close();
  return tokenizer.decode(benchmarkPrompt(tokenizer.vocab.bos, tokenizer.vocab.pieces.length, promptTokens).slice(1));
}

/** One engine's rounds as one row: the median of the rounds' medians, the extremes of all runs. */
function mergeRounds(rounds: Row[]): Row {
  const measured = rounds.filter((r) => r.prefill_tok_s !== undefined);
  if (measured.length === 0 || rounds.length === 1) return rounds[0]!;
  const merged = (key: 'prefill' | 'decode') => ({
    [`${key}_tok_s`]: median(measured.map((r) => r[`${key}_tok_s`]!)),
    [`${key}_spread`]: spread(measured.flatMap((r) => r[`${key}_spread`] ?? [r[`${key}_tok_s`]!])),
  });
  return { ...measured[0]!, ...merged('prefill'), ...merged('decode'), rounds: measured.length } as Row;
}

const rows: Row[] = [];
const record = (row: Row) => {
  rows.push(row);
  process.stdout.write(`${JSON.stringify(row)}\n`);
};
try {
  for (const model of models) {
    const text = await promptText(model);
    for (const threads of threadCounts) {
      const runs: Row[][] = [];
      for (let round = 0; round < rounds; round++) {
        const row: Row[] = [];
        if (engines.has('native')) row.push(native(model, threads));
        if (engines.has('node')) row.push(llamitaNode(model, threads, false));
        if (engines.has('node-plain')) row.push(llamitaNode(model, threads, true));
        if (engines.has('chromium')) row.push(await llamitaBrowser(model, threads));
        if (engines.has('wllama')) row.push(await wllama(model, threads, text));
        for (const r of row) process.stdout.write(`round ${round + 1}/${rounds}: ${JSON.stringify(r)}\n`);
        runs.push(row);
      }
      for (let e = 0; e < runs[0]!.length; e++) record(mergeRounds(runs.map((row) => row[e]!)));
    }
  }
} finally {
  await browser.close();
  server.close();
}
if (values.out) writeFileSync(resolve(typedIn, values.out), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

// a markdown table for BENCHMARKS.md
process.stdout.write('\n| model | threads | engine | prefill tok/s (min–max) | decode tok/s (min–max) |\n|---|---|---|---|---|\n');
for (const r of rows) {
  const cell = (v?: number, s?: number[]) => (v === undefined ? (r.note ?? '–') : `${v} (${s?.join('–')})`);
  process.stdout.write(`| ${basename(r.model)} | ${r.threads} | ${r.engine} | ${cell(r.prefill_tok_s, r.prefill_spread)} | ${cell(r.decode_tok_s, r.decode_spread)} |\n`);
}
