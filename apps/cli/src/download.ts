import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync, statfsSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
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

/** Redirects followed before a download gives up. */
const MAX_REDIRECTS = 8;
/** Errors of a write that mean the disk (or the user's quota on it) is full. */
const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'EFBIG']);

/** A hub's checksum of the file: its LFS SHA-256, sent as `X-Linked-Etag` on the redirect (or as the `ETag`), when it is one. */
function sha256Header(headers: Headers): string | undefined {
  for (const name of ['x-linked-etag', 'etag']) {
    const m = /^(?:W\/)?"?([0-9a-f]{64})"?$/.exec(headers.get(name) ?? '');
    if (m) return m[1];
  }
  return undefined;
}

/** Fetches `url`, following redirects by hand so that the hub's checksum on a redirect is seen. */
async function fetchFollowing(url: string, headers: Record<string, string>): Promise<{ response: Response; sha256: string | undefined }> {
  let sha256: string | undefined;
  let at = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const response = await fetch(at, { headers, redirect: 'manual' });
    sha256 ??= sha256Header(response.headers);
    const location = response.headers.get('location');
    if (response.status < 300 || response.status > 399 || !location) return { response, sha256 };
    await response.body?.cancel();
    at = new URL(location, at).href;
  }
  throw new LlamitaError('E_NETWORK', `${url}: more than ${MAX_REDIRECTS} redirects`, { url });
}

/** The SHA-256 of a file's first bytes so far (a `.part` resumed), fed before the new bytes. */
async function hashOfFile(path: string): Promise<Hash> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash;
}

/**
 * Refuses a download the disk cannot hold before any byte is written.
 * @throws LlamitaError `E_DISK_FULL` with the sizes and the way around it.
 */
function checkFreeSpace(dir: string, needed: number, url: string): void {
  const { bavail, bsize } = statfsSync(dir);
  const free = bavail * bsize;
  if (needed > free) {
    throw new LlamitaError('E_DISK_FULL', `${url} needs ${needed} more bytes but ${dir} has ${free} free: free some space, or set LLAMITA_CACHE to a directory on another disk`, {
      url,
      dir,
      needed,
      free,
    });
  }
}

/**
 * Downloads `url` into the cache once and returns the local path. An
 * interrupted download resumes from its `.part` file with a range request;
 * the finished file must have the server's size and, when the hub gives one
 * (`X-Linked-Etag`), its SHA-256. Only then is it renamed into place, so a
 * file in the cache is always complete.
 * @throws LlamitaError `E_NETWORK` naming the URL when it cannot be fetched, the server refuses it, the download is cut off or its checksum is wrong (the `.part` is then removed), with what to do instead; `E_DISK_FULL` when the disk cannot hold it (checked before, and on a full disk while writing; the `.part` is kept to resume).
 */
export async function download(url: string, onProgress?: (p: LoadProgress) => void): Promise<string> {
  const path = cachePath(url);
  if (existsSync(path)) return path;
  mkdirSync(dirname(path), { recursive: true });
  const part = `${path}.part`;
  const have = existsSync(part) ? statSync(part).size : 0;
  let fetched: Awaited<ReturnType<typeof fetchFollowing>>;
  try {
    fetched = await fetchFollowing(url, have > 0 ? { Range: `bytes=${have}-` } : {});
  } catch (e) {
    if (LlamitaError.is(e)) throw e;
    const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new LlamitaError('E_NETWORK', `cannot reach ${url} (${cause}): check the connection, or give --model PATH of a local file, or put the file at ${path}`, { url, path });
  }
  const { response, sha256 } = fetched;
  if (!response.ok || !response.body) {
    throw new LlamitaError(
      'E_NETWORK',
      `${url} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}: give --model PATH of a local file, or put the file at ${path}`,
      { url, path, status: response.status },
    );
  }
  const resumed = response.status === 206;
  const total = resumed ? Number(response.headers.get('content-range')?.split('/')[1]) : Number(response.headers.get('content-length'));
  if (Number.isFinite(total) && total > 0) {
    try {
      checkFreeSpace(dirname(path), total - (resumed ? have : 0), url);
    } catch (e) {
      await response.body.cancel();
      throw e;
    }
  }
  const hash = resumed ? await hashOfFile(part) : createHash('sha256');
  let loaded = resumed ? have : 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      loaded += chunk.length;
      onProgress?.({ loaded, total: total || loaded, stage: 'downloading' });
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), counted, createWriteStream(part, { flags: resumed ? 'a' : 'w' }));
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    if (DISK_FULL_CODES.has(code)) {
      throw new LlamitaError(
        'E_DISK_FULL',
        `the disk is full writing ${part} (${code}) at ${loaded} of ${total || '?'} bytes: free some space and run again to resume, or set LLAMITA_CACHE to a directory on another disk`,
        { url, path: part, loaded },
      );
    }
    throw new LlamitaError('E_NETWORK', `${url}: the download stopped at ${loaded} bytes (${code || (e as Error).message}); run again to resume`, { url, path });
  }
  if (Number.isFinite(total) && total > 0 && statSync(part).size !== total) {
    throw new LlamitaError('E_NETWORK', `${url}: the download was cut off at ${statSync(part).size} of ${total} bytes; run again to resume`, { url, path });
  }
  const actual = hash.digest('hex');
  if (sha256 !== undefined && actual !== sha256) {
    rmSync(part, { force: true });
    throw new LlamitaError('E_NETWORK', `${url}: the downloaded file's SHA-256 is ${actual}, the hub says ${sha256}; the download was removed: run again`, { url, expected: sha256, actual });
  }
  renameSync(part, path);
  onProgress?.({ loaded, total: loaded, stage: 'done' });
  return path;
}
