// Perplexity of llama.cpp (node-llama-cpp 3.21.1, CPU, this machine) on each
// file of ../shared/fixtures/quant/, computed the way llama.cpp's perplexity
// tool does at ctx 64 (non-overlapping chunks, BOS first, the second half of
// each chunk scored; one batch per chunk). The fixture's own expected.jsonl
// was made by llama.cpp elsewhere and differs from this machine's llama.cpp by
// up to 5.3e-4 (relative): the rounding of its SIMD kernels differs.
// These goldens are the tight reference. Run (after the install in README.md):
//   node tools/llama-cpp-reference/fixture-perplexity.mjs
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama } from 'node-llama-cpp';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const dir = resolve(root, '../shared/fixtures/quant');
const out = join(root, 'packages/llamita/src/goldens/llama-cpp-fixture-perplexity.json');
const CTX = 64;
const text = readFileSync(join(dir, 'text.txt'), 'utf8');
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const files = [];
for (const line of readFileSync(join(dir, 'expected.jsonl'), 'utf8').trim().split('\n')) {
  const { file, ppl_ctx64: fixture } = JSON.parse(line);
  const model = await llama.loadModel({ modelPath: join(dir, file) });
  const bos = Number(model.tokens.bos);
  const tokens = [bos, ...model.tokenize(text).map(Number)];
  // a context larger than the chunk, so that node-llama-cpp decodes each chunk as one batch of CTX tokens (as the perplexity tool does)
  const context = await model.createContext({ contextSize: 2 * CTX, batchSize: CTX, threads: 2, flashAttention: true });
  const sequence = context.getSequence();
  const chunks = Math.floor(tokens.length / CTX);
  let nll = 0;
  let count = 0;
  for (let c = 0; c < chunks; c++) {
    const chunk = tokens.slice(c * CTX, (c + 1) * CTX);
    chunk[0] = bos;
    await sequence.clearHistory();
    const scored = (j) => j >= CTX / 2 && j < CTX - 1;
    const results = await sequence.controlledEvaluate(chunk.map((t, j) => (scored(j) ? [t, { generateNext: { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } } }] : t)));
    for (let j = CTX / 2; j < CTX - 1; j++) {
      nll -= Math.log(results[j].next.probabilities.get(tokens[c * CTX + j + 1]) ?? 0);
      count++;
    }
  }
  await context.dispose();
  await model.dispose();
  const ppl = Math.exp(nll / count);
  files.push({ file, ppl_ctx64: ppl, fixture_ppl_ctx64: fixture, tokens: count });
  console.error(`${file}: ${ppl.toFixed(4)} (fixture ${fixture})`);
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ made_by: 'tools/llama-cpp-reference/fixture-perplexity.mjs', node_llama_cpp: '3.21.1', ctx: CTX, date: new Date().toISOString().slice(0, 10), files }, null, 1)}\n`,
);
console.error(`wrote ${out}`);
process.exit(0);
