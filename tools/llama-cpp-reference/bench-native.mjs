// Native llama.cpp (node-llama-cpp, CPU) prefill and decode speed on a GGUF,
// as the baseline for llamita's backends: the median of `repeats` runs, each
// from an empty context, with the same prompt ids as `llamita bench`. Run
// (after the install in README.md):
//   node tools/llama-cpp-reference/bench-native.mjs MODEL.gguf [threads] [prompt-tokens] [gen-tokens] [repeats]
import { getLlama } from 'node-llama-cpp';

const [path, threads = '2', promptTokens = '128', genTokens = '64', repeats = '3'] = process.argv.slice(2);
if (!path) throw new Error('usage: bench-native.mjs MODEL.gguf [threads] [prompt-tokens] [gen-tokens] [repeats]');
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const model = await llama.loadModel({ modelPath: path });
const context = await model.createContext({ contextSize: Number(promptTokens) + Number(genTokens) + 16, batchSize: 512, threads: Number(threads), flashAttention: true });
const vocabSize = model.fileInfo.metadata.tokenizer.ggml.tokens.length;
// llamita's benchmarkPrompt: BOS, then ids 3 + (i * 7919) mod (vocab - 3)
const prompt = [model.tokens.bos, ...Array.from({ length: Number(promptTokens) - 1 }, (_, i) => 3 + ((i * 7919) % (vocabSize - 3)))];
const seq = context.getSequence();
const prefill = [];
const decode = [];
for (let r = 0; r < Number(repeats); r++) {
  await seq.clearHistory();
  let start = performance.now();
  let generated = 0;
  for await (const token of seq.evaluate(prompt, { temperature: 0 })) {
    void token;
    if (generated === 0) {
      prefill.push(prompt.length / ((performance.now() - start) / 1000));
      start = performance.now();
    }
    if (++generated > Number(genTokens)) break;
  }
  decode.push(Number(genTokens) / ((performance.now() - start) / 1000));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const round = (x) => Math.round(x * 100) / 100;
console.log(
  JSON.stringify({
    engine: 'llama.cpp (node-llama-cpp 3.21.1, CPU)',
    model: path,
    threads: Number(threads),
    prompt_tokens: prompt.length,
    gen_tokens: Number(genTokens),
    repeats: Number(repeats),
    prefill_tok_s: round(median(prefill)),
    decode_tok_s: round(median(decode)),
    prefill_spread: [round(Math.min(...prefill)), round(Math.max(...prefill))],
    decode_spread: [round(Math.min(...decode)), round(Math.max(...decode))],
  }),
);
process.exit(0);
