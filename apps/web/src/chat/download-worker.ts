/**
 * Downloads one model into the origin private file system, resumable: bytes
 * go straight into `models/KEY.part` through a synchronous access handle
 * (written in place, so what arrived survives a reload), a later run asks
 * for the rest with a range request, and only a finished file whose size is
 * the server's is renamed to `models/KEY.gguf`. A sync access handle exists
 * only in a dedicated worker, hence this file.
 */
import type { DownloadReply, DownloadRequest } from './download-protocol.js';

/** The parts of OPFS's synchronous access handle used here (typed in TypeScript's worker library only). */
interface SyncAccessHandle {
  getSize(): number;
  truncate(size: number): void;
  write(data: Uint8Array, options: { at: number }): number;
  flush(): void;
  close(): void;
}
/** A file handle as a dedicated worker sees it. */
type WorkerFileHandle = FileSystemFileHandle & { createSyncAccessHandle(): Promise<SyncAccessHandle>; move(name: string): Promise<void> };

const post = (reply: DownloadReply) => (self as unknown as Worker).postMessage(reply);
/** Progress at most this often: a message per network chunk would flood the page. */
const PROGRESS_EVERY_MS = 100;

self.onmessage = (event: MessageEvent<DownloadRequest>) => {
  download(event.data).catch((e: unknown) => {
    const quota = e instanceof DOMException && e.name === 'QuotaExceededError';
    post({ type: 'error', message: quota ? 'the browser has no room left for this model (storage quota exceeded); delete a model or free disk space' : String((e as Error).message ?? e), quota });
  });
};

async function download({ url, key }: DownloadRequest): Promise<void> {
  const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('models', { create: true });
  const partHandle = (await dir.getFileHandle(`${key}.part`, { create: true })) as WorkerFileHandle;
  const file = await partHandle.createSyncAccessHandle();
  try {
    let offset = file.getSize();
    const response = await fetchModel(url, offset);
    if (offset > 0 && response.status === 200) {
      // the server ignored the range: start again from the first byte
      file.truncate(0);
      offset = 0;
    } else if (response.status === 206) {
      const start = Number(/^bytes (\d+)-/.exec(response.headers.get('Content-Range') ?? '')?.[1] ?? offset);
      if (start !== offset) throw new Error(`${url}: asked for bytes from ${offset}, the server sent them from ${start}`);
    }
    const resumedFrom = offset;
    const length = response.headers.get('Content-Length');
    const total = length === null ? undefined : offset + Number(length);
    const reader = response.body!.getReader();
    let lastPost = -Infinity;
    for (;;) {
      const { done, value } = await reader.read().catch(() => {
        throw new Error(`the download of ${url} was cut off at ${offset} bytes${total !== undefined ? ` of ${total}` : ''}; load it again to resume from there`);
      });
      if (done) break;
      offset += file.write(value, { at: offset });
      if (performance.now() - lastPost > PROGRESS_EVERY_MS) {
        lastPost = performance.now();
        post({ type: 'progress', loaded: offset, total, resumedFrom });
      }
    }
    file.flush();
    if (total !== undefined && offset !== total) throw new Error(`${url}: the download ended at ${offset} of ${total} bytes; it resumes from there next time`);
  } finally {
    file.close();
  }
  const size = (await partHandle.getFile()).size;
  await partHandle.move(`${key}.gguf`);
  post({ type: 'done', size });
}

/**
 * `url` from byte `offset` on.
 * @throws Error saying what the server or the browser refused, naming the header when it is CORS.
 */
async function fetchModel(url: string, offset: number): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { headers: offset > 0 ? { Range: `bytes=${offset}-` } : {}, mode: 'cors', credentials: 'omit' });
  } catch {
    throw new Error(
      `could not fetch ${url}: the network failed, or its server does not let other sites read it (the response needs the header Access-Control-Allow-Origin; range requests need Access-Control-Allow-Headers: Range)`,
    );
  }
  if (response.status === 416 && offset > 0) throw new Error(`${url}: the server has no bytes after ${offset}; delete the partial download and try again`);
  if (!response.ok) throw new Error(`${url}: the server answered HTTP ${response.status}${response.status === 404 ? ' (no such file)' : ''}`);
  if (!response.body) throw new Error(`${url}: the response has no body`);
  return response;
}
