// Eval throughput (issue 17): tokens evaluated per second while scoring a task
// with `@llamita/eval`, beside `benchmark`'s prefill speed on the same engine
// (512-token prompts), in one run. The KV cache is f16 for both (the wasm
// backend's attention kernels take f16; lm-eval-exact scoring uses f32).
// With --llama-perplexity PATH (HellaSwag in llama.cpp's six-line format only), llama.cpp's
// `llama-perplexity --hellaswag` scores the same items with the same threads and context
// right after, and its items/s and score are printed beside ours.
// Run: pnpm --filter @llamita/bench eval-speed MODEL.gguf --task boolq --data FILE [--labels FILE] [--limit 50] [--threads 2] [--llama-perplexity PATH]
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { parseArgs } from 'node:util';
import { WasmBackend } from '@llamita/backend-wasm';
import { evaluateTask, taskByName } from '@llamita/eval';
import { fileSource } from '@llamita/model/node';
import { benchmark, loadModel } from 'llamita';
import { runLlamaHellaswag } from './eval-speed/llama-hellaswag.js';

setFlagsFromString('--experimental-wasm-relaxed-simd');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    task: { type: 'string' },
    data: { type: 'string' },
    labels: { type: 'string' },
    limit: { type: 'string', default: '50' },
    threads: { type: 'string' },
    ctx: { type: 'string', default: '2048' },
    'llama-perplexity': { type: 'string' },
  },
});
const cwd = process.env.INIT_CWD ?? process.cwd();
const path = positionals[0];
if (!path || !values.task || !values.data) throw new Error('usage: eval-speed MODEL.gguf --task NAME --data FILE [--labels FILE] [--limit 50] [--threads 2]');
const backend = await WasmBackend.create(values.threads ? { threads: Number(values.threads) } : {});
const engine = await loadModel(await fileSource(resolve(cwd, path)), { backend, contextSize: Number(values.ctx) });
const task = taskByName(values.task);
const items = task.parse(readFileSync(resolve(cwd, values.data), 'utf8'), values.data, values.labels ? { labels: readFileSync(resolve(cwd, values.labels), 'utf8') } : {});
const result = await evaluateTask(engine, task, items, { limit: Number(values.limit) });
const bench = await benchmark(engine, { promptTokens: 512, genTokens: 1, repeats: 3 });
const llamaScoring = values['llama-perplexity'] ? await evaluateTask(engine, task, items, { limit: Number(values.limit), scoring: 'llama.cpp' }) : undefined;
const llamaCpp = values['llama-perplexity']
  ? runLlamaHellaswag({
      binary: resolve(cwd, values['llama-perplexity']),
      model: resolve(cwd, path),
      data: resolve(cwd, values.data),
      items: result.n,
      threads: backend.threads,
      contextSize: Number(values.ctx),
    })
  : undefined;
console.log(
  JSON.stringify({
    model: path,
    backend: backend.info.description,
    task: task.name,
    items: result.n,
    eval_tokens: result.tokens,
    eval_tok_s: Math.round(result.tokens / (result.elapsedMs / 1000)),
    items_per_s: +(result.n / (result.elapsedMs / 1000)).toFixed(2),
    bench_prefill_tok_s: Math.round(bench.prefillTokS),
    ...(llamaCpp && {
      // with llama.cpp's rules there is one score per ending, reported as acc (llama.cpp calls it acc_norm)
      llamita_llama_cpp_scoring_acc: +(100 * llamaScoring!.metrics.acc!.value).toFixed(4),
      llama_cpp: llamaCpp,
    }),
  }),
);
engine.dispose();
backend.dispose();
