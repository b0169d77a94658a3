// Reference outputs from llama.cpp (node-llama-cpp 3.21.1, CPU) for synthetic
// models made by `llamita make-model`. See README.md beside this file.
//   node tools/llama-cpp-reference/make-goldens.mjs [llama|architectures]...  (default: both sets)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getLlama } from 'node-llama-cpp';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const fixtures = resolve(root, '../shared/fixtures');
const LLAMA_SPM = 'llama-spm-vocab/ggml-vocab-llama-spm.gguf';
const PROMPT = 'Once upon a time, in a small town';
const GEN = 16;
// Llama 2 models of every weight type
const LLAMA_MODELS = [
  { shape: 'micro', dtype: 'f32', seed: 11 },
  { shape: 'small', dtype: 'f32', seed: 12 },
  { shape: 'small', dtype: 'f16', seed: 13 },
  { shape: 'small', dtype: 'q8_0', seed: 14 },
  { shape: 'small', dtype: 'q4_0', seed: 15 },
  { shape: 'small', dtype: 'q4_k_m', seed: 16 },
  { shape: 'kquant', dtype: 'q4_k_m', seed: 17 },
  { shape: 'kquant', dtype: 'q6_k', seed: 18 },
  { shape: 'kquant', dtype: 'q5_k_m', seed: 19 },
];
// the other Llama-family architectures (issue 19), each with a vocabulary of its family's kind
const ARCH_MODELS = [
  { arch: 'smollm2', shape: 'small', dtype: 'q8_0', seed: 21, vocab: 'vocab-tests/ggml-vocab-gpt-2.gguf' },
  { arch: 'qwen3', shape: 'micro', dtype: 'f32', seed: 22, vocab: 'vocab-tests/ggml-vocab-gpt-2.gguf' },
  { arch: 'qwen3', shape: 'small', dtype: 'q8_0', seed: 23, vocab: 'vocab-tests/ggml-vocab-gpt-2.gguf' },
  { arch: 'qwen3', shape: 'kquant', dtype: 'q4_k_m', seed: 24, vocab: 'vocab-tests/ggml-vocab-gpt-2.gguf' },
  { arch: 'phi3', shape: 'micro', dtype: 'f32', seed: 25, vocab: 'vocab-tests/ggml-vocab-phi-3.gguf' },
  { arch: 'qwen2', shape: 'micro', dtype: 'f32', seed: 27, vocab: 'vocab-tests/ggml-vocab-gpt-2.gguf' },
  { arch: 'llama3', shape: 'micro', dtype: 'f32', seed: 29, vocab: 'vocab-tests/ggml-vocab-gpt-2.gguf' },
  { arch: 'llama3', shape: 'small', dtype: 'q4_0', seed: 30, vocab: 'vocab-tests/ggml-vocab-gpt-2.gguf' },
  { arch: 'qwen2', shape: 'small', dtype: 'q8_0', seed: 28, vocab: 'vocab-tests/ggml-vocab-gpt-2.gguf' },
  { arch: 'phi3', shape: 'small', dtype: 'q4_0', seed: 26, vocab: 'vocab-tests/ggml-vocab-phi-3.gguf' },
];
const SETS = {
  llama: { models: LLAMA_MODELS, out: 'llama-cpp-synthetic.json' },
  architectures: { models: ARCH_MODELS, out: 'llama-cpp-architectures.json' },
};

const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const dir = mkdtempSync(join(tmpdir(), 'llamita-goldens-'));
const require = createRequire(import.meta.url);
const version = JSON.parse(readFileSync(join(dirname(require.resolve('node-llama-cpp')), '..', 'package.json'), 'utf8')).version;
for (const set of process.argv.length > 2 ? process.argv.slice(2) : Object.keys(SETS)) {
  const { models, out } = SETS[set] ?? {};
  if (!models) throw new Error(`unknown set ${set} (${Object.keys(SETS).join(', ')})`);
  const goldens = [];
  for (const m of models) goldens.push(await golden(m));
  const path = join(root, 'packages/llamita/src/goldens', out);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(
    path,
    `${JSON.stringify({ made_by: 'tools/llama-cpp-reference/make-goldens.mjs', node_llama_cpp: version, prompt_text: PROMPT, date: new Date().toISOString().slice(0, 10), models: goldens })}\n`,
  );
  console.error(`wrote ${path}`);
}

/** Makes model `m` with llamita's CLI, then llama.cpp's tokens, greedy continuation and teacher-forced log-probabilities on it. */
async function golden(m) {
  const arch = m.arch ?? 'llama';
  const path = join(dir, `${arch}-${m.shape}-${m.dtype}-${m.seed}.gguf`);
  const vocab = join(fixtures, m.vocab ?? LLAMA_SPM);
  execFileSync(
    process.execPath,
    [join(root, 'apps/cli/dist/main.js'), 'make-model', '--arch', arch, '--shape', m.shape, '--dtype', m.dtype, '--seed', String(m.seed), '--vocab', vocab, '--out', path],
    {
      stdio: 'inherit',
    },
  );
  const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
  const model = await llama.loadModel({ modelPath: path });
  // flash attention on: llama.cpp's default on CPU, and what llamita's f16 cache reproduces
  const context = await model.createContext({ contextSize: 128, batchSize: 128, threads: 2, flashAttention: true });
  // BOS first where the vocabulary asks for it (the Llama 2 set always had it; GPT-2's vocabulary does not)
  const bos = m.arch === undefined || model.tokens.shouldPrependBosToken ? [model.tokens.bos] : [];
  const prompt = [...bos, ...model.tokenize(PROMPT)].map(Number);

  // greedy continuation
  let seq = context.getSequence();
  const gen = [];
  for await (const t of seq.evaluate(prompt, { temperature: 0 })) {
    gen.push(Number(t));
    if (gen.length >= GEN) break;
  }
  seq.dispose();

  // teacher-forced on prompt + greedy path: log-probabilities at every position
  seq = context.getSequence();
  const tokens = [...prompt, ...gen];
  const input = tokens.map((t) => [t, { generateNext: { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } } }]);
  const results = await seq.controlledEvaluate(input);
  const positions = [];
  for (let i = 0; i + 1 < tokens.length; i++) {
    const probs = results[i]?.next?.probabilities;
    if (!probs) throw new Error(`no probabilities at ${i}`);
    const top = [...probs.entries()].slice(0, 5).map(([id, p]) => [Number(id), Math.log(p)]);
    positions.push({ next: tokens[i + 1], next_logprob: Math.log(probs.get(tokens[i + 1]) ?? 0), top5: top });
  }
  seq.dispose();
  await context.dispose();
  await model.dispose();
  console.error(`${arch} ${m.shape} ${m.dtype}: prompt ${prompt.length} tokens, greedy ${gen.join(' ')}`);
  return { ...m, sha256, prompt, gen, positions };
}
process.exit(0);
