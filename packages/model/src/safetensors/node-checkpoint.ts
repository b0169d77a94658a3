import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LlamitaError } from '@llamita/core';
import { fileSource } from '../gguf/node-source.js';
import type { LlamaConfig } from '../llama/config.js';
import type { TensorSource } from '../llama/tensor-source.js';
import { hfTensorSource, llamaConfigFromHf, shardsOfIndex } from './hf-llama.js';
import { readSafetensors } from './reader.js';

/** A Hugging Face checkpoint opened from a folder. */
export interface HfCheckpoint {
  /** From its config.json. */
  readonly config: LlamaConfig;
  /** Its tensors, with llama.cpp's names. */
  readonly tensors: TensorSource;
  /** Closes the files. */
  close(): Promise<void>;
}

/**
 * Opens a Hugging Face Llama checkpoint folder (Node only): `config.json` plus
 * `model.safetensors`, or the shards listed by `model.safetensors.index.json`.
 * @throws LlamitaError `E_BAD_FILE` when the folder lacks them.
 */
export async function openHfCheckpoint(dir: string): Promise<HfCheckpoint> {
  const configPath = join(dir, 'config.json');
  if (!existsSync(configPath)) throw new LlamitaError('E_BAD_FILE', `${dir}: no config.json`);
  const config = llamaConfigFromHf(readFileSync(configPath, 'utf8'));
  const indexPath = join(dir, 'model.safetensors.index.json');
  const names = existsSync(indexPath) ? shardsOfIndex(readFileSync(indexPath, 'utf8')) : ['model.safetensors'];
  const sources = await Promise.all(names.map((n) => fileSource(join(dir, n))));
  const files = await Promise.all(sources.map((s) => readSafetensors(s)));
  return { config, tensors: hfTensorSource(files), close: async () => void (await Promise.all(sources.map((s) => s.close()))) };
}
