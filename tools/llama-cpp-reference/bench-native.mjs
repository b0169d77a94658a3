// Native llama.cpp (node-llama-cpp, CPU) prefill and decode speed on a GGUF,
// as the baseline for llamita's backends. Run (after the install in README.md):
//   node tools/llama-cpp-reference/bench-native.mjs MODEL.gguf [threads] [prompt-tokens] [gen-tokens]
import { getLlama } from 'node-llama-cpp';

const [path, threads = '2', promptTokens = '128', genTokens = '32'] = process.argv.slice(2);
if (!path) throw new Error('usage: bench-native.mjs MODEL.gguf [threads] [prompt-tokens] [gen-tokens]');
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const model = await llama.loadModel({ modelPath: path });
const context = await model.createContext({ contextSize: 512, batchSize: 512, threads: Number(threads), flashAttention: true });
const prompt = [model.tokens.bos, ...Array.from({ length: Number(promptTokens) - 1 }, (_, i) => 1000 + ((i * 37) % 20000))];
const seq = context.getSequence();
let start = performance.now();
let first = true;
let prefillMs = 0;
let generated = 0;
for await (const token of seq.evaluate(prompt, { temperature: 0 })) {
  void token;
  if (first) {
    prefillMs = performance.now() - start;
    start = performance.now();
    first = false;
  }
  if (++generated >= Number(genTokens)) break;
}
const decodeMs = performance.now() - start;
console.log(JSON.stringify({ engine: 'llama.cpp (node-llama-cpp 3.21.1, CPU)', model: path, threads: Number(threads), prefill_tok_s: +(prompt.length / (prefillMs / 1000)).toFixed(2), decode_tok_s: +((generated - 1) / (decodeMs / 1000)).toFixed(2) }));
process.exit(0);
