import { existsSync } from 'node:fs';
import type { ByteSource } from '@llamita/model';
import { fileSource } from '@llamita/model/node';
import { UsageError } from './cli-error.js';
import { DEFAULT_MODEL, download, resolveHfUrl } from './download.js';
import { progressBar } from './progress.js';

/**
 * Opens `--model`: a local path, an http(s) URL or `hf:OWNER/REPO/FILE`
 * (downloaded once into the cache, with a progress bar). Without one, the
 * default model ({@link DEFAULT_MODEL}) when `allowDefault`.
 */
export async function openModel(model: string | undefined, allowDefault = false): Promise<ByteSource> {
  const ref = model ?? (allowDefault ? DEFAULT_MODEL : undefined);
  if (!ref) throw new UsageError('--model is required (a GGUF path, an http(s) URL or hf:OWNER/REPO/FILE)');
  if (/^https?:\/\//.test(ref)) return fileSource(await download(ref, progressBar('downloading')));
  if (ref.startsWith('hf:')) return fileSource(await download(resolveHfUrl(ref), progressBar('downloading')));
  if (!existsSync(ref)) throw new UsageError(`model file not found: ${ref}`);
  return fileSource(ref);
}
