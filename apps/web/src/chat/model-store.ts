/**
 * Models kept in the browser, in the origin private file system:
 * `models/KEY.gguf` (complete, its size checked against the server's),
 * `models/KEY.part` (a download under way or cut off: resumed, never loaded)
 * and `models/KEY.json` (where it came from). A reload or an offline visit
 * loads a kept model without touching the network.
 */
import type { DownloadReply } from './download-protocol.js';

/** What `models/KEY.json` says of a kept model. */
export interface StoredModelInfo {
  /** The address it was downloaded from. */
  readonly url: string;
  /** Its file name. */
  readonly name: string;
  /** Bytes. */
  readonly size: number;
  /** When the download finished (ms since the epoch). */
  readonly savedAt: number;
}

/** A model on this device, complete or partly downloaded. */
export interface StoredModel {
  /** The store's name for it. */
  readonly key: string;
  /** Its address and size, for a complete one. */
  readonly info?: StoredModelInfo;
  /** Bytes of a partial download. */
  readonly partialBytes?: number;
}

/** How far a download is. */
export interface DownloadProgress {
  /** Bytes on the device. */
  readonly loaded: number;
  /** Bytes in all, when the server says. */
  readonly total: number | undefined;
  /** Bytes per second since this run started. */
  readonly bytesPerSecond: number;
  /** Seconds left at that speed, when the total is known. */
  readonly secondsLeft: number | undefined;
  /** Where this run picked the download up (0 unless resumed). */
  readonly resumedFrom: number;
}

/** The file name at the end of a URL. */
export function fileNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split('/').pop() || 'model.gguf');
}

/** The store's name for a URL: its file name made safe, and a hash of the whole URL so two files of one name do not collide. */
export async function modelKey(url: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(url)));
  const hash = Array.from(digest.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join('');
  return `${fileNameOf(url)
    .replace(/\.gguf$/i, '')
    .replace(/[^A-Za-z0-9._-]/g, '_')}-${hash}`;
}

const modelsDir = async () => (await navigator.storage.getDirectory()).getDirectoryHandle('models', { create: true });

async function fileOrUndefined(dir: FileSystemDirectoryHandle, name: string): Promise<File | undefined> {
  try {
    return await (await dir.getFileHandle(name)).getFile();
  } catch {
    return undefined;
  }
}

/** The kept, complete model downloaded from `url`, if there is one. */
export async function storedModelFile(url: string): Promise<File | undefined> {
  const dir = await modelsDir();
  const key = await modelKey(url);
  const [file, meta] = await Promise.all([fileOrUndefined(dir, `${key}.gguf`), fileOrUndefined(dir, `${key}.json`)]);
  if (!file || !meta) return undefined;
  const info = JSON.parse(await meta.text()) as StoredModelInfo;
  // a file that is not the size the download ended with is not used (and is not deleted behind the user's back)
  return file.size === info.size ? new File([file], info.name) : undefined;
}

/** Every model on this device, partial downloads included. */
export async function listStoredModels(): Promise<StoredModel[]> {
  const dir = await modelsDir();
  const keys = new Set<string>();
  for await (const name of (dir as FileSystemDirectoryHandle & { keys(): AsyncIterable<string> }).keys()) keys.add(name.replace(/\.(gguf|part|json)$/, ''));
  const models: StoredModel[] = [];
  for (const key of [...keys].sort()) {
    const [meta, part] = await Promise.all([fileOrUndefined(dir, `${key}.json`), fileOrUndefined(dir, `${key}.part`)]);
    models.push({ key, ...(meta && { info: JSON.parse(await meta.text()) as StoredModelInfo }), ...(part && { partialBytes: part.size }) });
  }
  return models;
}

/** Deletes a kept model and any partial download of it. */
export async function deleteStoredModel(key: string): Promise<void> {
  const dir = await modelsDir();
  for (const name of [`${key}.json`, `${key}.gguf`, `${key}.part`]) await dir.removeEntry(name).catch(() => undefined);
}

/**
 * Downloads `url` into the store (resuming a partial download) and returns the file.
 * @throws Error with the download worker's reason (network, CORS header, HTTP status, quota); the partial file stays for a resume.
 */
export async function downloadModel(url: string, onProgress: (p: DownloadProgress) => void, signal?: AbortSignal): Promise<File> {
  const key = await modelKey(url);
  const worker = new Worker(new URL('./download-worker.ts', import.meta.url), { type: 'module' });
  const started = performance.now();
  try {
    const size = await new Promise<number>((resolve, reject) => {
      signal?.addEventListener('abort', () => reject(new Error('download stopped; it resumes from where it was next time')), { once: true });
      worker.onerror = (e) => reject(new Error(`the download worker failed: ${e.message}`));
      worker.onmessage = ({ data }: MessageEvent<DownloadReply>) => {
        if (data.type === 'error') return reject(new Error(data.message));
        if (data.type === 'done') return resolve(data.size);
        const seconds = (performance.now() - started) / 1000;
        const bytesPerSecond = seconds > 0 ? (data.loaded - data.resumedFrom) / seconds : 0;
        const secondsLeft = data.total !== undefined && bytesPerSecond > 0 ? (data.total - data.loaded) / bytesPerSecond : undefined;
        onProgress({ loaded: data.loaded, total: data.total, bytesPerSecond, secondsLeft, resumedFrom: data.resumedFrom });
      };
      worker.postMessage({ url, key });
    });
    const info: StoredModelInfo = { url, name: fileNameOf(url), size, savedAt: Date.now() };
    const meta = await (await (await modelsDir()).getFileHandle(`${key}.json`, { create: true })).createWritable();
    await meta.write(JSON.stringify(info));
    await meta.close();
    const file = await storedModelFile(url);
    if (!file) throw new Error(`${url}: the downloaded file could not be read back`);
    return file;
  } finally {
    worker.terminate();
  }
}

/** Storage used and available to this site, as the browser estimates it, and whether it is persistent. */
export async function storageStatus(): Promise<{ usage: number; quota: number; persisted: boolean }> {
  const [{ usage = 0, quota = 0 }, persisted] = await Promise.all([navigator.storage.estimate(), navigator.storage.persisted()]);
  return { usage, quota, persisted };
}
