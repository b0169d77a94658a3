// Memory of one engine over many prompts of random lengths (issue 13): resident
// memory, and for wasm its memory's size and the bytes its live buffers hold,
// after the 10th prompt and after the last. Each prompt is a fresh generation
// (a seeded random length of prompt ids, then a few greedy tokens).
// Run: pnpm --filter @llamita/bench engine-memory MODEL.gguf [--backend js|wasm] [--prompts 300] [--max-prompt 200] [--gen 4] [--ctx 256]
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { jsBackend } from '@llamita/backend-js';
import { WasmBackend } from '@llamita/backend-wasm';
import { fileSource } from '@llamita/model/node';
import { Prng } from '@llamita/sampling';
import { loadModel } from 'llamita';

// the relaxed-SIMD kernels, as the CLI runs them (Node 20 keeps them behind a flag)
setFlagsFromString('--experimental-wasm-relaxed-simd');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    backend: { type: 'string', default: 'wasm' },
    prompts: { type: 'string', default: '300' },
    'max-prompt': { type: 'string', default: '200' },
    gen: { type: 'string', default: '4' },
    ctx: { type: 'string', default: '256' },
  },
});
const path = positionals[0];
if (!path) throw new Error('usage: engine-memory MODEL.gguf [--backend js|wasm] [--prompts 300] [--max-prompt 200] [--gen 4] [--ctx 256]');
const [prompts, maxPrompt, gen, ctx] = [Number(values.prompts), Number(values['max-prompt']), Number(values.gen), Number(values.ctx)];

const wasm = values.backend === 'wasm' ? await WasmBackend.create() : undefined;
const engine = await loadModel(await fileSource(resolve(process.env.INIT_CWD ?? process.cwd(), path)), { backend: wasm ?? jsBackend, contextSize: ctx });
const vocab = engine.model.config.vocabSize;
const rng = new Prng(13);

/** What is measured after a prompt, once garbage is collected (the script runs with --expose-gc): what the engine keeps, not what V8 has yet to free. */
const sample = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return measure();
};
/** V8's young generation: it grows (to twice its semi-space maximum) under allocation churn, and resident memory with it. */
const newSpaceMb = () => +(getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')!.space_size / 1e6).toFixed(2);
const measure = () => ({
  rss_mb: +(process.memoryUsage().rss / 1e6).toFixed(2),
  new_space_mb: newSpaceMb(),
  heap_used_mb: +(process.memoryUsage().heapUsed / 1e6).toFixed(2),
  array_buffers_mb: +(process.memoryUsage().arrayBuffers / 1e6).toFixed(2),
  ...(wasm && { wasm_memory_mb: +(wasm.memoryBytes / 1e6).toFixed(2), wasm_live_mb: +(wasm.liveBytes / 1e6).toFixed(2) }),
});
let afterTenth: ReturnType<typeof measure> | undefined;
const trajectory: ({ prompt: number } & ReturnType<typeof measure>)[] = [];
const started = performance.now();
for (let i = 1; i <= prompts; i++) {
  const length = 1 + Math.floor(rng.next() * maxPrompt);
  const ids = [1, ...Array.from({ length: length - 1 }, () => 2 + Math.floor(rng.next() * (vocab - 2)))];
  for await (const _token of engine.generate(ids, { temperature: 0, maxTokens: gen, stopAtEos: false })) void _token;
  if (i === 10) afterTenth = sample();
  if (i % 50 === 0) trajectory.push({ prompt: i, ...sample() });
}
const last = sample();
const growth = (a: number, b: number) => +(((b - a) / a) * 100).toFixed(2);
console.log(
  JSON.stringify({
    model: path,
    backend: engine.backendChoice.name,
    backend_info: engine.backendChoice.description,
    prompts,
    prompt_lengths: `1..${maxPrompt}`,
    gen_tokens: gen,
    seconds: +((performance.now() - started) / 1000).toFixed(1),
    after_10th: afterTenth,
    after_last: last,
    rss_growth_pct: growth(afterTenth!.rss_mb, last.rss_mb),
    ...(wasm && { wasm_memory_growth_pct: growth(afterTenth!.wasm_memory_mb!, last.wasm_memory_mb!) }),
    every_50: trajectory,
  }),
);
engine.dispose();
wasm?.dispose();
