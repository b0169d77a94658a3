// How much llama.cpp's own teacher-forced log-probabilities move between its
// CPU configurations (flash attention on/off, 1 or 2 threads, batch size), on
// the synthetic models of the parity goldens: the yardstick for the open
// quantized-model drift between llama.cpp and llamita. Run (after the install
// in README.md and `pnpm build`):
//   node tools/llama-cpp-reference/parity-sensitivity.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama } from 'node-llama-cpp';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const vocab = resolve(root, '../shared/fixtures/llama-spm-vocab/ggml-vocab-llama-spm.gguf');
const goldens = JSON.parse(readFileSync(join(root, 'packages/llamita/src/goldens/llama-cpp-synthetic.json'), 'utf8'));
const CONFIGS = [
  { name: 'flash attention, 2 threads, batch 128 (the goldens)', flashAttention: true, threads: 2, batchSize: 128 },
  { name: 'flash attention, 1 thread', flashAttention: true, threads: 1, batchSize: 128 },
  { name: 'no flash attention', flashAttention: false, threads: 2, batchSize: 128 },
  { name: 'batch 1 (token by token)', flashAttention: true, threads: 2, batchSize: 1 },
];

const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const dir = mkdtempSync(join(tmpdir(), 'llamita-sensitivity-'));
for (const g of goldens.models) {
  const path = join(dir, `${g.shape}-${g.dtype}-${g.seed}.gguf`);
  execFileSync(process.execPath, [join(root, 'apps/cli/dist/main.js'), 'make-model', '--shape', g.shape, '--dtype', g.dtype, '--seed', String(g.seed), '--vocab', vocab, '--out', path], {
    stdio: 'ignore',
  });
  const model = await llama.loadModel({ modelPath: path });
  const tokens = [...g.prompt, ...g.gen];
  const row = [];
  for (const c of CONFIGS) {
    const context = await model.createContext({ contextSize: 128, batchSize: c.batchSize, threads: c.threads, flashAttention: c.flashAttention });
    const seq = context.getSequence();
    const results = await seq.controlledEvaluate(tokens.map((t) => [t, { generateNext: { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } } }]));
    let worst = 0;
    for (let i = 0; i + 1 < tokens.length; i++) worst = Math.max(worst, Math.abs(Math.log(results[i].next.probabilities.get(tokens[i + 1]) ?? 0) - g.positions[i].next_logprob));
    row.push(`${c.name}: ${worst.toFixed(4)}`);
    seq.dispose();
    await context.dispose();
  }
  await model.dispose();
  console.log(`${g.shape} ${g.dtype}: worst |Δ logprob| against the golden — ${row.join('; ')}`);
}
process.exit(0);
