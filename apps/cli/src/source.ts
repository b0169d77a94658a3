import { existsSync } from 'node:fs';
import { type ByteSource, urlSource } from '@llamita/model';
import { fileSource } from '@llamita/model/node';
import { UsageError } from './cli-error.js';

/** Opens `--model`: a local path, or an http(s) URL read with range requests. */
export async function openModel(model: string | undefined): Promise<ByteSource> {
  if (!model) throw new UsageError('--model is required (a GGUF file path or an http(s) URL)');
  if (/^https?:\/\//.test(model)) return urlSource(model);
  if (model.startsWith('hf:')) throw new UsageError('hf: model references are not implemented yet; pass a local path or an http(s) URL');
  if (!existsSync(model)) throw new UsageError(`model file not found: ${model}`);
  return fileSource(model);
}
