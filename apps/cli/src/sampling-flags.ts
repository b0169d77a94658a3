import { readFileSync } from 'node:fs';
import type { JsonSchema, SamplingOptions } from '@llamita/sampling';
import { UsageError } from './cli-error.js';
import { intFlag, numberFlag, seedFlag } from './options.js';

/** The sampling flags of `run` and `chat`, for `parseArgs`. */
export const SAMPLING_FLAGS = {
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
} as const;

/** Help text of {@link SAMPLING_FLAGS}. */
export const SAMPLING_HELP = `  --temperature T    0 = greedy (default 0.8)
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
  --seed N           sampling seed (default 0; -1 draws one and prints it on stderr)`;

type SamplingValues = { [K in keyof typeof SAMPLING_FLAGS]?: (typeof SAMPLING_FLAGS)[K] extends { multiple: true } ? string[] : string };

/** What the sampling flags ask for. */
export interface SamplingFlags extends SamplingOptions {
  readonly stop: readonly string[];
  readonly json?: JsonSchema | true;
  readonly seed: number;
}

/**
 * Reads {@link SAMPLING_FLAGS} (llama.cpp's names and defaults); a seed drawn
 * for `--seed -1` is printed on stderr so the run can be repeated.
 */
export function samplingFromFlags(values: SamplingValues): SamplingFlags {
  const seed = seedFlag(values.seed, 0);
  if (values.grammar !== undefined && values.grammar !== 'json') throw new UsageError('--grammar takes "json" (any JSON document); use --json-schema FILE for a schema');
  const json: JsonSchema | true | undefined = values['json-schema'] !== undefined ? readSchema(values['json-schema']) : values.grammar === 'json' ? true : undefined;
  const mirostat = intFlag('mirostat', values.mirostat, 0, 0, 2);
  if (mirostat === 1) throw new UsageError('--mirostat 1 is not supported; use 2 (Mirostat 2.0)');
  if (seed.drawn) process.stderr.write(`seed: ${seed.seed}\n`);
  return {
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
}

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
