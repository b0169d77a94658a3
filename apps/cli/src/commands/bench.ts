import { parseArgs } from 'node:util';
import { UsageError } from '../cli-error.js';
import { openEngine } from '../open-engine.js';
import { intFlag } from '../options.js';

export const benchHelp = `llamita bench --model FILE [--backend js|wasm] [--prompt-tokens 128] [--gen-tokens 64] [--repeats 3] [--json]

Measures prefill (the prompt in one batch) and decode (greedy, one token at a
time) speed, as the median of --repeats runs from an empty cache, with the spread.
Prompt ids are fixed (BOS, then a deterministic walk over the vocabulary).`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const round = (x: number) => Math.round(x * 100) / 100;

/** `llamita bench`. */
export async function bench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      'prompt-tokens': { type: 'string' },
      'gen-tokens': { type: 'string' },
      repeats: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (!values.model) throw new UsageError('--model is required');
  if (values.threads !== undefined && intFlag('threads', values.threads, 1, 1) !== 1) throw new UsageError('--threads above 1 is not supported yet: both backends are single-threaded');
  const promptTokens = intFlag('prompt-tokens', values['prompt-tokens'], 128, 1, 8192);
  const genTokens = intFlag('gen-tokens', values['gen-tokens'], 64, 1, 8192);
  const repeats = intFlag('repeats', values.repeats, 3, 1, 100);
  const engine = await openEngine({ model: values.model, backend: values.backend, contextSize: promptTokens + genTokens });
  const { vocabSize } = engine.model.config;
  const prompt = [engine.tokenizer.vocab.bos, ...Array.from({ length: promptTokens - 1 }, (_, i) => 3 + ((i * 7919) % (vocabSize - 3)))];
  const prefill: number[] = [];
  const decode: number[] = [];
  for (let r = 0; r < repeats; r++) {
    engine.model.reset();
    let start = performance.now();
    let token = await engine.model.evaluateGreedy(prompt);
    prefill.push(promptTokens / ((performance.now() - start) / 1000));
    start = performance.now();
    for (let i = 0; i < genTokens; i++) token = await engine.model.evaluateGreedy([token]);
    decode.push(genTokens / ((performance.now() - start) / 1000));
    if (!values.json) process.stderr.write(`run ${r + 1}/${repeats}: prefill ${round(prefill.at(-1)!)} tok/s, decode ${round(decode.at(-1)!)} tok/s\n`);
  }
  const result = {
    model: values.model,
    backend: engine.model.backend.info.name,
    threads: 1,
    prompt_tokens: promptTokens,
    gen_tokens: genTokens,
    repeats,
    prefill_tok_s: round(median(prefill)),
    decode_tok_s: round(median(decode)),
    prefill_spread: [round(Math.min(...prefill)), round(Math.max(...prefill))],
    decode_spread: [round(Math.min(...decode)), round(Math.max(...decode))],
  };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${result.backend}: prefill ${result.prefill_tok_s} tok/s (${result.prefill_spread.join('–')}), decode ${result.decode_tok_s} tok/s (${result.decode_spread.join('–')})\n`);
  engine.dispose();
}
