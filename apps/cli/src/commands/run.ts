import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from '../cli-error.js';
import { ENGINE_FLAGS, ENGINE_HELP, engineArgsFromFlags } from '../engine-flags.js';
import { openEngine } from '../open-engine.js';
import { intFlag, joinNegativeValues } from '../options.js';
import { SAMPLING_FLAGS, SAMPLING_HELP, samplingFromFlags } from '../sampling-flags.js';

export const runHelp = `llamita run [--model FILE|URL|hf:OWNER/REPO/FILE|DIR] [--prompt TEXT | --file PATH] [options]

Generates text, streamed to stdout (stats on stderr). Without --model, runs
TinyLlama-1.1B-Chat-v1.0 Q4_K_M, downloaded once into LLAMITA_CACHE.
  --max-tokens N     tokens to generate (default 256)
${SAMPLING_HELP}
  --no-context-shift when the context fills, stop (finish reason "length")
                     instead of dropping half of the tokens after --keep, as llama.cpp does
  --keep N           tokens kept at the start on a context shift (default: the BOS)
${ENGINE_HELP}
  --json             print one JSON object instead of streaming

DIR is a Hugging Face checkpoint folder: config.json, model.safetensors (or
model.safetensors.index.json and its shards) and tokenizer.json.`;

/** `llamita run`. */
export async function run(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: joinNegativeValues(argv),
    options: {
      ...ENGINE_FLAGS,
      ...SAMPLING_FLAGS,
      prompt: { type: 'string' },
      file: { type: 'string' },
      'max-tokens': { type: 'string' },
      'no-context-shift': { type: 'boolean', default: false },
      keep: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.prompt !== undefined && values.file !== undefined) throw new UsageError('give --prompt or --file, not both');
  const prompt = values.file !== undefined ? readFileSync(values.file, 'utf8') : (values.prompt ?? '');
  const maxTokens = intFlag('max-tokens', values['max-tokens'], 256, 0);
  const sampling = samplingFromFlags(values);
  const keep = values.keep === undefined ? undefined : intFlag('keep', values.keep, 0, 0);

  const loadStart = performance.now();
  const engine = await openEngine(engineArgsFromFlags(values, true));
  const loadMs = performance.now() - loadStart;

  const promptTokens = engine.tokenizer.encode(prompt);
  let text = '';
  const tokens: number[] = [];
  const options = { ...sampling, maxTokens, contextShift: !values['no-context-shift'], ...(keep !== undefined && { keep }) };
  for await (const step of engine.generate(promptTokens, options)) {
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
    process.stdout.write(`${JSON.stringify({ text, prompt_tokens: promptTokens, tokens, finish_reason: s.finishReason, context_shifts: s.contextShifts, timings })}\n`);
  } else {
    process.stdout.write('\n');
    const shifts = s.contextShifts ? `, ${s.contextShifts} context shifts` : '';
    const full = s.finishReason === 'length' && s.generatedTokens < maxTokens ? ' (the context is full)' : '';
    process.stderr.write(
      `\n${s.promptTokens} prompt tokens, ${s.generatedTokens} generated${shifts}; finish: ${s.finishReason}${full}; load ${timings.load_ms} ms, prefill ${timings.prefill_tok_s} tok/s, decode ${timings.decode_tok_s} tok/s\n`,
    );
  }
  engine.dispose();
}

const round = (x: number) => Math.round(x * 100) / 100;
