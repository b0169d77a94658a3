// llama.cpp's greedy generation past a small context by context shift, as
// `llama-cli -m stories260K.gguf -c 64 -n 200 --temp 0 -p "Once upon a time"`
// does it (tools/main: n_keep = 1 for the BOS; when n_past + 1 would reach
// n_ctx, drop n_discard = (n_past - n_keep) / 2 cells after the kept ones and
// shift the rest's positions by -n_discard, which RoPE-rotates their cached
// keys). Drives node-llama-cpp 3.21.1's sequence the same way:
// eraseContextTokenRanges removes the cells and shifts the ones after them.
// Writes packages/llamita/src/goldens/llama-cpp-context-shift.json. Run (after
// the install in README.md): node tools/llama-cpp-reference/context-shift.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama } from 'node-llama-cpp';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const modelPath = resolve(root, '../shared/fixtures/stories260K/stories260K.gguf');
const out = join(root, 'packages/llamita/src/goldens/llama-cpp-context-shift.json');
const CTX = 64;
const N_PREDICT = 200;
const N_KEEP = 1;
const PROMPT = 'Once upon a time';

const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const model = await llama.loadModel({ modelPath });
const context = await model.createContext({ contextSize: CTX, batchSize: CTX, threads: 2, flashAttention: true });
const sequence = context.getSequence();
const prompt = [Number(model.tokens.bos), ...model.tokenize(PROMPT).map(Number)];
const eos = Number(model.tokens.eos);
const greedy = { generateNext: { token: true, options: { temperature: 0 } } };

const shifts = [];
const gen = [];
let pending = prompt;
let nPast = 0;
while (gen.length < N_PREDICT) {
  if (nPast + pending.length >= CTX) {
    const nDiscard = Math.floor((nPast - N_KEEP) / 2);
    await sequence.eraseContextTokenRanges([{ start: N_KEEP, end: N_KEEP + nDiscard }]);
    nPast -= nDiscard;
    shifts.push({ at_generated: gen.length, n_discard: nDiscard });
  }
  const results = await sequence.controlledEvaluate(pending.map((t, i) => (i === pending.length - 1 ? [t, greedy] : t)));
  nPast += pending.length;
  const next = Number(results.at(-1).next.token);
  if (next === eos) break;
  gen.push(next);
  pending = [next];
}
await context.dispose();
await model.dispose();

mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ made_by: 'tools/llama-cpp-reference/context-shift.mjs', node_llama_cpp: '3.21.1', model: 'stories260K.gguf', ctx: CTX, n_keep: N_KEEP, n_predict: N_PREDICT, prompt_text: PROMPT, prompt, shifts, gen, date: new Date().toISOString().slice(0, 10) })}\n`,
);
console.error(`wrote ${out}: ${gen.length} tokens, shifts ${JSON.stringify(shifts)}`);
