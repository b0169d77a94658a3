/**
 * A local stand-in for the Hugging Face hub, for the browser tests: another
 * origin than the app's, serving one model file as the hub does (a redirect
 * from `resolve/` to the file, range requests, CORS with the headers the app
 * needs), plus the failures a user meets: a download cut off half-way (once),
 * a server without CORS, a missing file. Every request is logged.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the hub saw. */
export interface HubRequest {
  readonly method: string;
  readonly path: string;
  readonly range: string | undefined;
}

/** The running hub: its base URL, its log, and `close`. */
export interface Hub {
  readonly base: string;
  readonly requests: HubRequest[];
  /** Ends the first download of `/flaky/…`, held open after a third of the file, there. */
  cutFlaky(): void;
  close(): Promise<void>;
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Range',
  'Access-Control-Expose-Headers': 'Content-Range, Content-Length, Accept-Ranges, ETag',
};

/**
 * Serves `bytes` (all, or the range asked for: `bytes=A-` or `bytes=A-B`) with
 * `headers`; with `holdAt`, sends that many bytes and returns a function that
 * ends the connection there (the caller cuts once the client has shown it
 * read them: a browser drops bytes its network stack held when a connection
 * ends early, so a cut on a timer would land at a random offset, often 0).
 */
function sendFile(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array, headers: Record<string, string>, holdAt?: number): (() => void) | undefined {
  const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  const start = range ? Number(range[1]) : 0;
  if (start >= bytes.length) return void res.writeHead(416, { ...headers, 'Content-Range': `bytes */${bytes.length}` }).end();
  const end = range?.[2] ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1;
  const body = bytes.subarray(start, end + 1);
  res.writeHead(range ? 206 : 200, {
    ...headers,
    'Accept-Ranges': 'bytes',
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(body.length),
    ...(range && { 'Content-Range': `bytes ${start}-${end}/${bytes.length}` }),
  });
  if (holdAt === undefined) return void res.end(body);
  res.write(body.subarray(0, holdAt));
  return () => res.destroy();
}

/** Starts the hub on 127.0.0.1 serving `file` as `stories260K.gguf` (the paths the tests use, whatever the file), and each of `dataFiles` (name to local path) as `/data/NAME`. */
export async function startHub(file: string, dataFiles: Readonly<Record<string, string>> = {}): Promise<Hub> {
  const bytes = new Uint8Array(readFileSync(file));
  const requests: HubRequest[] = [];
  let flakyServed = false;
  let cutFlaky: (() => void) | undefined;
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push({ method: req.method ?? 'GET', path, range: req.headers.range });
    if (req.method === 'OPTIONS') return void res.writeHead(204, { ...CORS, 'Access-Control-Allow-Methods': 'GET, HEAD' }).end();
    if (path === '/org/repo/resolve/main/stories260K.gguf') return void res.writeHead(302, { ...CORS, Location: '/cdn/stories260K.gguf' }).end();
    if (path === '/cdn/stories260K.gguf') return sendFile(req, res, bytes, CORS);
    // the first download of this one stops after a third of the file (when the test cuts it); later ones are whole
    if (path === '/flaky/stories260K.gguf') {
      const holdAt = flakyServed ? undefined : Math.floor(bytes.length / 3);
      flakyServed = true;
      cutFlaky = sendFile(req, res, bytes, CORS, holdAt) ?? cutFlaky;
      return;
    }
    if (path === '/no-cors/stories260K.gguf') return sendFile(req, res, bytes, {});
    const data = dataFiles[path.replace(/^\/data\//, '')];
    if (path.startsWith('/data/') && data !== undefined) return sendFile(req, res, new Uint8Array(readFileSync(data)), CORS);
    res.writeHead(404, CORS).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    cutFlaky: () => {
      if (!cutFlaky) throw new Error('no download of /flaky/ is being held');
      cutFlaky();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
