import { createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { LlamitaError } from '@llamita/core';
import type { LoadProgress } from '@llamita/model';

/** The model `llamita run` uses when none is given: TinyLlama-1.1B-Chat-v1.0 in Q4_K_M. */
export const DEFAULT_MODEL = 'hf:TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF/tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf';

/** `hf:OWNER/REPO/FILE` to the hub's download URL (base from `LLAMITA_HF_ENDPOINT`). */
export function resolveHfUrl(ref: string, endpoint = process.env.LLAMITA_HF_ENDPOINT ?? 'https://huggingface.co'): string {
  const m = /^hf:([^/]+)\/([^/]+)\/(.+)$/.exec(ref);
  if (!m) throw new LlamitaError('E_INVALID_ARGUMENT', `"${ref}" is not hf:OWNER/REPO/FILE`);
  return `${endpoint.replace(/\/$/, '')}/${m[1]}/${m[2]}/resolve/main/${m[3]!.split('/').map(encodeURIComponent).join('/')}`;
}

/** The cache directory: `LLAMITA_CACHE`, else `$XDG_CACHE_HOME/llamita`, else `~/.cache/llamita`. */
export function cacheDir(): string {
  return process.env.LLAMITA_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'llamita');
}

/** Where a URL's file lives in the cache (host and path, made safe). */
export function cachePath(url: string): string {
  const u = new URL(url);
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(cacheDir(), safe(u.host), ...u.pathname.split('/').filter(Boolean).map(safe));
}

/**
 * Downloads `url` into the cache once and returns the local path. An
 * interrupted download resumes from its `.part` file with a range request; the
 * finished size is checked against the server's.
 * @throws LlamitaError `E_NETWORK` naming the URL when it cannot be fetched, the server refuses it or the download is cut off, with what to do instead.
 */
export async function download(url: string, onProgress?: (p: LoadProgress) => void): Promise<string> {
  const path = cachePath(url);
  if (existsSync(path)) return path;
  mkdirSync(dirname(path), { recursive: true });
  const part = `${path}.part`;
  const have = existsSync(part) ? statSync(part).size : 0;
  let response: Response;
  try {
    response = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, redirect: 'follow' });
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new LlamitaError('E_NETWORK', `cannot reach ${url} (${cause}): check the connection, or give --model PATH of a local file, or put the file at ${path}`, { url, path });
  }
  if (!response.ok || !response.body) {
    throw new LlamitaError(
      'E_NETWORK',
      `${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}: give --model PATH of a local file, or put the file at ${path}`,
      { url, path, status: response.status },
    );
  }
  const resumed = response.status === 206;
  const total = resumed ? Number(response.headers.get('content-range')?.split('/')[1]) : Number(response.headers.get('content-length'));
  const out = createWriteStream(part, { flags: resumed ? 'a' : 'w' });
  let loaded = resumed ? have : 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (!out.write(chunk)) await once(out, 'drain');
    loaded += chunk.length;
    onProgress?.({ loaded, total: total || loaded, stage: 'downloading' });
  }
  out.end();
  await once(out, 'finish');
  if (Number.isFinite(total) && total > 0 && statSync(part).size !== total) {
    throw new LlamitaError('E_NETWORK', `${url}: the download was cut off at ${statSync(part).size} of ${total} bytes; run again to resume`, { url, path });
  }
  renameSync(part, path);
  onProgress?.({ loaded, total: loaded, stage: 'done' });
  return path;
}
