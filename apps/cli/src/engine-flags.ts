import { readFileSync } from 'node:fs';
import { UsageError } from './cli-error.js';
import type { EngineArgs } from './open-engine.js';
import { intFlag } from './options.js';

/** The flags that load a model (`run`, `chat`, `serve`), for `parseArgs`. */
export const ENGINE_FLAGS = {
  model: { type: 'string' },
  ctx: { type: 'string' },
  backend: { type: 'string' },
  threads: { type: 'string' },
  quantize: { type: 'string' },
  'chat-template': { type: 'string' },
} as const;

/** Help text of {@link ENGINE_FLAGS}. */
export const ENGINE_HELP = `  --ctx N            context size (default: the model's, capped at 4096)
  --backend NAME     auto (default: webgpu, then wasm, then js, the first that
                     probes well and runs every op of the model; stderr says
                     which ran and why the others did not), webgpu, wasm or js
  --threads N        threads for the wasm backend (default: all hardware threads; js is single-threaded)
  --quantize TYPE    re-encode float weights while loading (q8_0, q4_0, q4_k, ...)
  --chat-template FILE  a Jinja chat template instead of the model's own`;

type EngineValues = { [K in keyof typeof ENGINE_FLAGS]?: string };

/** Reads {@link ENGINE_FLAGS}. */
export function engineArgsFromFlags(values: EngineValues, allowDefault: boolean): EngineArgs {
  return {
    model: values.model,
    backend: values.backend,
    allowDefault,
    ...(values.threads !== undefined && { threads: intFlag('threads', values.threads, 1, 1, 64) }),
    ...(values.ctx !== undefined && { contextSize: intFlag('ctx', values.ctx, 0, 1) }),
    ...(values.quantize !== undefined && { quantize: values.quantize }),
    ...(values['chat-template'] !== undefined && { chatTemplate: readTemplate(values['chat-template']) }),
  };
}

function readTemplate(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--chat-template ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (e as Error).message}`);
  }
}
