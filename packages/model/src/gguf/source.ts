import { LlamitaError } from '@llamita/core';

/**
 * Random access to the bytes of a model file, wherever it lives. Reads are
 * asynchronous and bounded, so a file never has to be loaded whole.
 */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** A short description for error messages (a path, a URL, a file name). */
  readonly name: string;
  /** Bytes `[offset, offset + length)`; rejects when that range leaves the file. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Releases file handles or connections. */
  close(): Promise<void>;
}

/** Checks a read range against the source size. */
export function checkRange(source: { size: number; name: string }, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > source.size) {
    throw new LlamitaError('E_BAD_FILE', `${source.name}: the file is truncated: a read of ${length} bytes at ${offset} goes past its end (${source.size} bytes)`);
  }
}

/** A source over bytes already in memory. */
export function bytesSource(bytes: Uint8Array, name = 'memory'): ByteSource {
  const size = bytes.byteLength;
  return {
    size,
    name,
    async read(offset, length) {
      checkRange({ size, name }, offset, length);
      return bytes.subarray(offset, offset + length);
    },
    async close() {},
  };
}

/** A source over a browser `Blob` or `File` (also works in Node 20). */
export function blobSource(blob: Blob, name = (blob as File).name ?? 'blob'): ByteSource {
  const size = blob.size;
  return {
    size,
    name,
    async read(offset, length) {
      checkRange({ size, name }, offset, length);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
    async close() {},
  };
}

/** Options of {@link urlSource}. */
export interface UrlSourceOptions {
  /** `fetch` to use (default: the global one). */
  readonly fetch?: typeof fetch;
  /** Extra request headers (e.g. an Authorization token). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * A source over an http(s) URL read with range requests: only the header and
 * the tensors asked for are transferred.
 * @throws LlamitaError `E_NETWORK` when the server is unreachable, answers an error, or ignores ranges.
 */
export async function urlSource(url: string, options: UrlSourceOptions = {}): Promise<ByteSource> {
  const doFetch = options.fetch ?? fetch;
  const get = async (range: string): Promise<Response> => {
    try {
      return await doFetch(url, { headers: { ...options.headers, Range: range }, redirect: 'follow' });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
      throw new LlamitaError('E_NETWORK', `cannot reach ${url} (${cause})`, { url });
    }
  };
  const head = await get('bytes=0-0');
  if (head.status !== 206) throw new LlamitaError('E_NETWORK', `${url} answered ${head.status} to a range request (expected 206)`, { url, status: head.status });
  await head.arrayBuffer();
  const total = Number(head.headers.get('content-range')?.split('/')[1]);
  if (!Number.isSafeInteger(total)) throw new LlamitaError('E_NETWORK', `${url} gave no usable Content-Range size`, { url });
  return {
    size: total,
    name: url,
    async read(offset, length) {
      checkRange({ size: total, name: url }, offset, length);
      if (length === 0) return new Uint8Array(0);
      const res = await get(`bytes=${offset}-${offset + length - 1}`);
      if (res.status !== 206) throw new LlamitaError('E_NETWORK', `${url} answered ${res.status} to a range request`, { url, status: res.status });
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.byteLength !== length) throw new LlamitaError('E_NETWORK', `${url} sent ${bytes.byteLength} bytes for a range of ${length}`, { url });
      return bytes;
    },
    async close() {},
  };
}
