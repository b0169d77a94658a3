import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DType } from '@llamita/core';
import { openHfCheckpoint } from '@llamita/model/node';
import { tokenizerFromTokenizerJson } from '@llamita/tokenizer';
import { loadCheckpoint, loadModel, type Engine, type FailoverEvent } from 'llamita';
import { backendOption, type WebGpuTuning } from './backends.js';
import { UsageError } from './cli-error.js';
import { progressBar } from './progress.js';
import { openModel } from './source.js';

/** What every model-running command takes. */
export interface EngineArgs {
  readonly model: string | undefined;
  readonly backend: string | undefined;
  /** `--threads`, for backends with threads. */
  readonly threads?: number;
  /** Keep the wasm backend on its plain SIMD128 kernels. */
  readonly plainSimd?: boolean;
  /** Wrap the backend in a {@link ProfilingBackend} (op-by-op timings). */
  readonly profile?: boolean;
  /** WebGPU's kernel shapes and paths (`llamita bench --webgpu-*`, tuning). */
  readonly webgpuTuning?: WebGpuTuning;
  readonly contextSize?: number;
  readonly quantize?: string;
  /** A Jinja chat template instead of the model's own. */
  readonly chatTemplate?: string;
  /** KV cache element type (default f16). */
  readonly kvType?: 'f16' | 'f32';
  /** Use the default model when `model` is absent. */
  readonly allowDefault?: boolean;
}

const QUANTIZE: readonly DType[] = ['f16', 'bf16', 'q8_0', 'q4_0', 'q5_0', 'q4_k', 'q6_k'];

/**
 * Loads `--model`: a GGUF (path, URL, hf:) or a Hugging Face checkpoint folder
 * (config.json, safetensors, tokenizer.json), with `--quantize` applied while loading.
 */
export async function openEngine(args: EngineArgs): Promise<Engine> {
  if (args.quantize !== undefined && !QUANTIZE.includes(args.quantize as DType)) throw new UsageError(`--quantize must be one of ${QUANTIZE.join(', ')}`);
  const options = {
    backend: backendOption(args.backend, args.threads, args.plainSimd, args.profile, args.webgpuTuning),
    ...(args.contextSize !== undefined && { contextSize: args.contextSize }),
    ...(args.quantize !== undefined && { quantize: args.quantize as DType }),
    ...(args.chatTemplate !== undefined && { chatTemplate: args.chatTemplate }),
    ...(args.kvType !== undefined && { kvType: args.kvType }),
    onProgress: progressBar('loading'),
    onFailover: (e: FailoverEvent) => process.stderr.write(`llamita: the ${e.from} backend failed (${e.reason}); moved to ${e.to}, evaluating the conversation again there\n`),
  };
  if (args.model && existsSync(args.model) && statSync(args.model).isDirectory()) {
    const tokenizerPath = join(args.model, 'tokenizer.json');
    if (!existsSync(tokenizerPath)) throw new UsageError(`${args.model} has no tokenizer.json`);
    const checkpoint = await openHfCheckpoint(args.model);
    const chatTemplate = args.chatTemplate ?? chatTemplateOfFolder(args.model);
    const engine = await loadCheckpoint(checkpoint.tensors, checkpoint.config, tokenizerFromTokenizerJson(readFileSync(tokenizerPath, 'utf8')), {
      ...options,
      ...(chatTemplate !== undefined && { chatTemplate }),
    }).catch(async (e: unknown) => {
      await checkpoint.close();
      throw e;
    });
    engine.closeWith(() => checkpoint.close());
    return reportBackend(engine);
  }
  return reportBackend(await loadModel(await openModel(args.model, args.allowDefault), options));
}

/** The `chat_template` of a Hugging Face folder's tokenizer_config.json, if it has one. */
function chatTemplateOfFolder(dir: string): string | undefined {
  const path = join(dir, 'tokenizer_config.json');
  if (!existsSync(path)) return undefined;
  try {
    const template = (JSON.parse(readFileSync(path, 'utf8')) as { chat_template?: unknown }).chat_template;
    if (typeof template === 'string') return template;
    // newer configs list named templates; the one named "default" is the chat's
    if (Array.isArray(template)) return (template as { name?: unknown; template?: unknown }[]).find((t) => t.name === 'default' && typeof t.template === 'string')?.template as string | undefined;
    return undefined;
  } catch (e) {
    throw new UsageError(`${path}: ${(e as Error).message}`);
  }
}

/** Says on stderr which backend runs the model, and why the better ones did not. */
function reportBackend(engine: Engine): Engine {
  const { name, description, skipped } = engine.backendChoice;
  for (const s of skipped) process.stderr.write(`backend ${s.name} skipped: ${s.reason}\n`);
  process.stderr.write(`backend: ${name} (${description})\n`);
  return engine;
}
