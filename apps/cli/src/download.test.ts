import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cachePath, download, resolveHfUrl } from './download.js';

const payload = Buffer.from(Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff));
const payloadSha256 = createHash('sha256').update(payload).digest('hex');

describe('model downloads (against a local server that behaves like the hub)', () => {
  let server: Server;
  let base: string;
  const ranges: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      // the hub redirects resolve/main URLs to a storage host, with the file's LFS SHA-256 on the redirect
      if (req.url?.includes('/resolve/main/')) {
        const file = req.url.split('/').pop()!;
        const sha256 = file === 'corrupt.gguf' ? createHash('sha256').update('other bytes').digest('hex') : payloadSha256;
        return void res.writeHead(302, { Location: `/storage/${file === 'corrupt.gguf' ? 'model.gguf' : file}`, 'X-Linked-Etag': `"${sha256}"` }).end();
      }
      if (req.url === '/storage/huge.gguf') {
        // a petabyte announced, a few bytes sent: the client must refuse before writing
        res.writeHead(200, { 'Content-Length': 2 ** 50 });
        return void res.write(payload.subarray(0, 10));
      }
      if (req.url === '/storage/model.gguf') {
        const m = /bytes=(\d+)-/.exec(req.headers.range ?? '');
        if (m) {
          ranges.push(req.headers.range!);
          const start = Number(m[1]);
          res.writeHead(206, { 'Content-Range': `bytes ${start}-${payload.length - 1}/${payload.length}`, 'Content-Length': payload.length - start });
          return void res.end(payload.subarray(start));
        }
        return void res.writeHead(200, { 'Content-Length': payload.length }).end(payload);
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    process.env.LLAMITA_CACHE = mkdtempSync(join(tmpdir(), 'llamita-cache-'));
    ranges.length = 0;
  });

  it('resolves hf: references against LLAMITA_HF_ENDPOINT', () => {
    expect(resolveHfUrl('hf:TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF/tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf', base)).toBe(
      `${base}/TheBloke/TinyLlama-1.1B-Chat-v1.0-GGUF/resolve/main/tinyllama-1.1b-chat-v1.0.Q4_K_M.gguf`,
    );
  });

  it('downloads once through the redirect, with progress, then serves from the cache', async () => {
    const url = resolveHfUrl('hf:owner/repo/model.gguf', base);
    const progress: number[] = [];
    const path = await download(url, (p) => progress.push(p.loaded));
    expect(readFileSync(path).equals(payload)).toBe(true);
    expect(progress.at(-1)).toBe(payload.length);
    expect(await download(url)).toBe(path);
  });

  it('resumes an interrupted download with a range request', async () => {
    const url = `${base}/storage/model.gguf`;
    mkdirSync(dirname(cachePath(url)), { recursive: true });
    writeFileSync(`${cachePath(url)}.part`, payload.subarray(0, 40_000));
    const path = await download(url);
    expect(ranges).toEqual(['bytes=40000-']);
    expect(readFileSync(path).equals(payload)).toBe(true);
    expect(existsSync(`${path}.part`)).toBe(false);
  });

  it("checks the hub's SHA-256, also over a resumed download; a wrong one removes the download", async () => {
    const url = resolveHfUrl('hf:owner/repo/model.gguf', base);
    mkdirSync(dirname(cachePath(url)), { recursive: true });
    writeFileSync(`${cachePath(url)}.part`, payload.subarray(0, 30_000));
    expect(readFileSync(await download(url)).equals(payload)).toBe(true);
    expect(ranges).toEqual(['bytes=30000-']);
    const corrupt = resolveHfUrl('hf:owner/repo/corrupt.gguf', base);
    await expect(download(corrupt)).rejects.toMatchObject({ code: 'E_NETWORK', message: expect.stringContaining(`SHA-256 is ${payloadSha256}`) });
    expect(existsSync(cachePath(corrupt))).toBe(false);
    expect(existsSync(`${cachePath(corrupt)}.part`)).toBe(false);
  });

  it('a full disk: refused before writing when the size is known to be too big, E_DISK_FULL when a write fails; nothing in the cache as if complete', async () => {
    const huge = `${base}/storage/huge.gguf`;
    await expect(download(huge)).rejects.toMatchObject({ code: 'E_DISK_FULL', message: expect.stringMatching(/needs 1125899906842624 more bytes .* set LLAMITA_CACHE/) });
    expect(existsSync(cachePath(huge))).toBe(false);
    expect(existsSync(`${cachePath(huge)}.part`)).toBe(false);
    // a real ENOSPC: the partial file points at /dev/full, which takes no byte
    const url = `${base}/storage/model.gguf`;
    mkdirSync(dirname(cachePath(url)), { recursive: true });
    symlinkSync('/dev/full', `${cachePath(url)}.part`);
    await expect(download(url)).rejects.toMatchObject({ code: 'E_DISK_FULL', message: expect.stringMatching(/the disk is full writing .*ENOSPC/) });
    expect(existsSync(cachePath(url))).toBe(false);
  });

  it('a 404 and a server that is not there are network errors naming the URL and the way around them', async () => {
    const missing = `${base}/storage/missing.gguf`;
    await expect(download(missing)).rejects.toMatchObject({ code: 'E_NETWORK', message: expect.stringMatching(`^${missing} answered HTTP 404.*put the file at ${cachePath(missing)}$`) });
    await expect(download('http://127.0.0.1:9/x.gguf')).rejects.toMatchObject({
      code: 'E_NETWORK',
      message: expect.stringMatching(/^cannot reach http:\/\/127.0.0.1:9\/x.gguf \(.+\): check the connection, or give --model PATH/),
    });
  });
});
