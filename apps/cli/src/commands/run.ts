import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { JsonSchema } from '@llamita/sampling';
import { UsageError } from '../cli-error.js';
import { openEngine } from '../open-engine.js';
import { intFlag, joinNegativeValues, numberFlag, seedFlag } from '../options.js';

export const runHelp = `llamita run [--model FILE|URL|hf:OWNER/REPO/FILE|DIR] [--prompt TEXT | --file PATH] [options]

Generates text, streamed to stdout (stats on stderr). Without --model, runs
TinyLlama-1.1B-Chat-v1.0 Q4_K_M, downloaded once into LLAMITA_CACHE.
  --max-tokens N     tokens to generate (default 256)
  --temperature T    0 = greedy (default 0.8)
  --top-k K          default 40
  --top-p P          default 0.95
  --min-p P          default 0.05
  --typical-p P      locally typical sampling (default 1: off)
  --repeat-penalty R, --repeat-last-n N, --presence-penalty P, --frequency-penalty F
                     penalties over the last N tokens (defaults 1, 64, 0, 0: off)
  --mirostat 2       Mirostat 2.0 (--mirostat-ent TAU 5, --mirostat-lr ETA 0.1)
  --dry-multiplier M DRY repetition penalty (default 0: off; --dry-base 1.75, --dry-allowed-length 2)
  --xtc-probability P, --xtc-threshold T  exclude top choices (defaults 0: off, 0.1)
  --logit-bias ID=BIAS  add BIAS to a token's logit (-inf bans it); repeatable
  --stop STR         stop when the output contains STR (not printed); repeatable
  --json-schema FILE constrain the output to one JSON document valid for the schema
                     (object/properties/required, array/items, string, integer,
                     number, boolean, enum, nullable); --grammar json for any JSON
  --seed N           sampling seed (default 0; -1 draws one and prints it on stderr)
  --ctx N            context size (default: the model's, capped at 4096)
  --backend NAME     auto (default: webgpu, then wasm, then js, the first that
                     probes well and runs every op of the model; stderr says
                     which ran and why the others did not), webgpu, wasm or js
  --threads N        threads for the wasm backend (default: all hardware threads; js is single-threaded)
  --quantize TYPE    re-encode float weights while loading (q8_0, q4_0, q4_k, ...)
  --json             print one JSON object instead of streaming

DIR is a Hugging Face checkpoint folder: config.json, model.safetensors (or
model.safetensors.index.json and its shards) and tokenizer.json.`;

/** `llamita run`. */
export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: joinNegativeValues(argv),
    options: {
      model: { type: 'string' },
      prompt: { type: 'string' },
      file: { type: 'string' },
      'max-tokens': { type: 'string' },
      temperature: { type: 'string' },
      'top-k': { type: 'string' },
      'top-p': { type: 'string' },
      'min-p': { type: 'string' },
      'typical-p': { type: 'string' },
      'repeat-penalty': { type: 'string' },
      'repeat-last-n': { type: 'string' },
      'presence-penalty': { type: 'string' },
      'frequency-penalty': { type: 'string' },
      mirostat: { type: 'string' },
      'mirostat-lr': { type: 'string' },
      'mirostat-ent': { type: 'string' },
      'dry-multiplier': { type: 'string' },
      'dry-base': { type: 'string' },
      'dry-allowed-length': { type: 'string' },
      'xtc-probability': { type: 'string' },
      'xtc-threshold': { type: 'string' },
      'logit-bias': { type: 'string', multiple: true },
      stop: { type: 'string', multiple: true },
      'json-schema': { type: 'string' },
      grammar: { type: 'string' },
      seed: { type: 'string' },
      ctx: { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      quantize: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.prompt !== undefined && values.file !== undefined) throw new UsageError('give --prompt or --file, not both');
  const prompt = values.file !== undefined ? readFileSync(values.file, 'utf8') : (values.prompt ?? '');
  const maxTokens = intFlag('max-tokens', values['max-tokens'], 256, 0);
  const seed = seedFlag(values.seed, 0);
  if (values.grammar !== undefined && values.grammar !== 'json') throw new UsageError('--grammar takes "json" (any JSON document); use --json-schema FILE for a schema');
  const json: JsonSchema | true | undefined = values['json-schema'] !== undefined ? readSchema(values['json-schema']) : values.grammar === 'json' ? true : undefined;
  const mirostat = intFlag('mirostat', values.mirostat, 0, 0, 2);
  if (mirostat === 1) throw new UsageError('--mirostat 1 is not supported; use 2 (Mirostat 2.0)');
  const sampling = {
    temperature: numberFlag('temperature', values.temperature, 0.8, 0),
    topK: intFlag('top-k', values['top-k'], 40, 0),
    topP: numberFlag('top-p', values['top-p'], 0.95, 0, 1),
    minP: numberFlag('min-p', values['min-p'], 0.05, 0, 1),
    typicalP: numberFlag('typical-p', values['typical-p'], 1, 0, 1),
    repeatPenalty: numberFlag('repeat-penalty', values['repeat-penalty'], 1, 0),
    repeatLastN: intFlag('repeat-last-n', values['repeat-last-n'], 64, -1),
    presencePenalty: numberFlag('presence-penalty', values['presence-penalty'], 0),
    frequencyPenalty: numberFlag('frequency-penalty', values['frequency-penalty'], 0),
    mirostat: mirostat as 0 | 2,
    mirostatEta: numberFlag('mirostat-lr', values['mirostat-lr'], 0.1, 0),
    mirostatTau: numberFlag('mirostat-ent', values['mirostat-ent'], 5, 0),
    dryMultiplier: numberFlag('dry-multiplier', values['dry-multiplier'], 0, 0),
    dryBase: numberFlag('dry-base', values['dry-base'], 1.75, 1),
    dryAllowedLength: intFlag('dry-allowed-length', values['dry-allowed-length'], 2, 0),
    xtcProbability: numberFlag('xtc-probability', values['xtc-probability'], 0, 0, 1),
    xtcThreshold: numberFlag('xtc-threshold', values['xtc-threshold'], 0.1, 0, 1),
    logitBias: new Map((values['logit-bias'] ?? []).map(parseLogitBias)),
    stop: values.stop ?? [],
    ...(json !== undefined && { json }),
    seed: seed.seed,
  };
  if (seed.drawn) process.stderr.write(`seed: ${seed.seed}\n`);
  const contextSize = values.ctx === undefined ? undefined : intFlag('ctx', values.ctx, 0, 1);

  const loadStart = performance.now();
  const engine = await openEngine({
    model: values.model,
    backend: values.backend,
    ...(values.threads !== undefined && { threads: intFlag('threads', values.threads, 1, 1, 64) }),
    allowDefault: true,
    ...(contextSize !== undefined && { contextSize }),
    ...(values.quantize !== undefined && { quantize: values.quantize }),
  });
  const loadMs = performance.now() - loadStart;

  const promptTokens = engine.tokenizer.encode(prompt);
  let text = '';
  const tokens: number[] = [];
  for await (const step of engine.generate(promptTokens, { ...sampling, maxTokens })) {
    if (step.id >= 0) tokens.push(step.id);
    text += step.text;
    if (!values.json) process.stdout.write(step.text);
  }
  const s = engine.stats;
  const timings = {
    load_ms: round(loadMs),
    prefill_tok_s: round(s.promptTokens / (s.prefillMs / 1000)),
    decode_tok_s: s.generatedTokens > 1 ? round((s.generatedTokens - 1) / (s.decodeMs / 1000)) : 0,
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ text, prompt_tokens: promptTokens, tokens, timings })}\n`);
  } else {
    process.stdout.write('\n');
    process.stderr.write(
      `\n${s.promptTokens} prompt tokens, ${s.generatedTokens} generated; load ${timings.load_ms} ms, prefill ${timings.prefill_tok_s} tok/s, decode ${timings.decode_tok_s} tok/s\n`,
    );
  }
  engine.dispose();
}

const round = (x: number) => Math.round(x * 100) / 100;

/** Reads a JSON Schema file. */
function readSchema(path: string): JsonSchema {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as JsonSchema;
  } catch (e) {
    throw new UsageError(`--json-schema ${path}: ${(e as Error).message}`);
  }
}

/** `ID=BIAS` (BIAS a number, or -inf to ban), as llama.cpp's --logit-bias. */
function parseLogitBias(spec: string): [number, number] {
  const m = /^(\d+)=([+-]?(?:inf|\d+(?:\.\d+)?))$/.exec(spec.trim());
  if (!m) throw new UsageError(`--logit-bias takes ID=BIAS (e.g. 15043=-inf or 29871=1.5), got "${spec}"`);
  const value = m[2] === '-inf' ? -Infinity : m[2] === 'inf' || m[2] === '+inf' ? Infinity : Number(m[2]);
  return [Number(m[1]), value];
}
