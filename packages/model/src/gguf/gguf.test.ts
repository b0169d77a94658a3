import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatBytes } from '@llamita/core';
import { Prng } from '@llamita/sampling';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { fileSource } from './node-source.js';
import { readGguf, readTensorData, type GgufFile } from './reader.js';
import { blobSource, bytesSource, urlSource } from './source.js';
import type { GgufValue } from './types.js';
import { serializeGguf, type GgufTensorToWrite } from './writer.js';

const have = fixturesAvailable();
const concat = concatBytes;

/** A small valid GGUF: two tensors, a few metadata types. */
function smallGguf(): Uint8Array {
  const metadata = new Map<string, GgufValue>([
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['test.u32', { type: 'u32', value: 7 }],
    ['test.nested', { type: 'array', value: { itemType: 'array', items: [{ itemType: 'i32', items: Int32Array.of(1, 2) }] } }],
  ]);
  const tensors: GgufTensorToWrite[] = [
    { name: 'a', dtype: 'f32', shape: [2, 3], data: new Uint8Array(24).fill(1) },
    { name: 'b', dtype: 'q8_0', shape: [1, 32], data: new Uint8Array(34).fill(2) },
  ];
  return concat(serializeGguf(metadata, tensors));
}

const read = (bytes: Uint8Array) => readGguf(bytesSource(bytes, 'test.gguf'));
const badFile = expect.objectContaining({ name: 'LlamitaError', code: 'E_BAD_FILE' });

describe('GGUF writer and reader', () => {
  it('round-trips metadata of every kind and tensor bytes', async () => {
    const file = await read(smallGguf());
    expect(file.version).toBe(3);
    expect(file.metadata.get('test.u32')).toEqual({ type: 'u32', value: 7 });
    const nested = file.metadata.get('test.nested')!.value as unknown as { items: { items: Int32Array }[] };
    expect([...nested.items[0]!.items]).toEqual([1, 2]);
    expect(file.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ['a', 'f32', [2, 3]],
      ['b', 'q8_0', [1, 32]],
    ]);
    expect([...(await readTensorData(file, file.tensors[1]!))]).toEqual(new Array(34).fill(2));
  });

  it.skipIf(!have)('rewrites stories260K.gguf (made by llama.cpp) byte for byte', async () => {
    const original = readFileSync(fixturePath('stories260K/stories260K.gguf'));
    const file = await read(new Uint8Array(original));
    const tensors = await Promise.all(file.tensors.map(async (t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: await readTensorData(file, t) })));
    const rewritten = concat(serializeGguf(file.metadata, tensors));
    expect(rewritten.length).toBe(original.length);
    expect(Buffer.compare(Buffer.from(rewritten), original)).toBe(0);
  });

  it('rejects a tensor whose bytes do not match its shape', () => {
    expect(() => serializeGguf(new Map(), [{ name: 'x', dtype: 'f32', shape: [3], data: new Uint8Array(8) }])).toThrow(/needs 12/);
  });
});

describe('GGUF reader on untrusted input', () => {
  const valid = smallGguf();
  const patched = (at: number, bytes: number[] | Uint8Array) => {
    const copy = valid.slice();
    copy.set(bytes, at);
    return copy;
  };
  const u64 = (v: bigint) => new Uint8Array(new BigUint64Array([v]).buffer);
  const u32 = (v: number) => new Uint8Array(new Uint32Array([v]).buffer);

  it('wrong magic', async () => {
    await expect(read(patched(0, [0x47, 0x47, 0x4d, 0x4c]))).rejects.toThrow(/not a GGUF file/);
  });
  it.each([1, 4, 0xffffffff])('unsupported version %i', async (v) => {
    await expect(read(patched(4, u32(v)))).rejects.toThrow(/version/);
  });
  it('2^62 tensors', async () => {
    await expect(read(patched(8, u64(1n << 62n)))).rejects.toThrow(/tensor count .* more than the limit/);
  });
  it('a 4 GB key', async () => {
    await expect(read(patched(24, u64(1n << 32n)))).rejects.toThrow(/length of key #0 .* more than the limit/);
  });
  it('truncated anywhere before the end of the last tensor: a typed error, never a hang', async () => {
    const file = await read(valid);
    const last = file.tensors.at(-1)!;
    const end = file.dataOffset + last.offset + last.byteLength; // only alignment padding follows
    for (let n = 0; n < end; n += 3) await expect(read(valid.subarray(0, n))).rejects.toEqual(badFile);
  });
  it('unknown value type', async () => {
    // key #0 is "general.architecture" (8 + 20 bytes) then its u32 type
    await expect(read(patched(24 + 8 + 20, u32(99)))).rejects.toThrow(/unknown value type 99/);
  });

  /** Finds a tensor info field by the tensor's name, in the serialized header. */
  const infoOffset = (name: string) => {
    const header = Buffer.from(valid);
    const at = header.indexOf(Buffer.concat([Buffer.from(u64(BigInt(name.length))), Buffer.from(name)]));
    return at + 8 + name.length; // at n_dims
  };
  it('unknown tensor type', async () => {
    const at = infoOffset('a') + 4 + 16; // n_dims, 2 dims
    await expect(read(patched(at, u32(77)))).rejects.toThrow(/tensor a has unknown type id 77/);
  });
  it('unsupported but known tensor type', async () => {
    const at = infoOffset('a') + 4 + 16;
    await expect(read(patched(at, u32(16)))).rejects.toMatchObject({ code: 'E_UNSUPPORTED_MODEL', message: expect.stringMatching(/IQ2_XXS/) });
  });
  it('offset past the end', async () => {
    const at = infoOffset('b') + 4 + 16 + 4;
    await expect(read(patched(at, u64(1n << 20n)))).rejects.toThrow(/offset of b/);
  });
  it('a file cut short says it is truncated, in the header and in the tensor data', async () => {
    await expect(read(valid.subarray(0, (await read(valid)).dataOffset + 4))).rejects.toMatchObject({
      code: 'E_BAD_FILE',
      message: expect.stringMatching(/the file is truncated: tensor \w+ .* runs past its end/),
    });
    await expect(read(valid.subarray(0, 40))).rejects.toMatchObject({ code: 'E_BAD_FILE', message: expect.stringMatching(/truncated while reading/) });
  });
  it('overlapping tensors', async () => {
    const at = infoOffset('b') + 4 + 16 + 4;
    await expect(read(patched(at, u64(0n)))).rejects.toThrow(/overlap/);
  });
  it('rows not a multiple of the block size', async () => {
    const at = infoOffset('b') + 4; // ne[0] of b (32 for q8_0)
    await expect(read(patched(at, u64(31n)))).rejects.toThrow(/not a multiple of q8_0's block size 32/);
  });
  it('too many dimensions', async () => {
    await expect(read(patched(infoOffset('a'), u32(9)))).rejects.toThrow(/9 dimensions/);
  });

  it.skipIf(!have)('fuzz: 400 seeded mutations of stories260K.gguf parse or fail with a typed error', async () => {
    const original = new Uint8Array(readFileSync(fixturePath('stories260K/stories260K.gguf')));
    const headerEnd = (await read(original)).dataOffset;
    const rng = new Prng(2024);
    const started = Date.now();
    let rejected = 0;
    for (let i = 0; i < 400; i++) {
      const bytes = original.slice(0, i % 5 === 0 ? Math.floor(rng.next() * original.length) : original.length);
      for (let m = 0, n = 1 + (rng.nextU32() % 8); m < n; m++) {
        const at = rng.nextU32() % Math.min(headerEnd, Math.max(1, bytes.length));
        bytes[at] = rng.nextU32() & 0xff;
      }
      try {
        await read(bytes);
      } catch (e) {
        expect(e).toMatchObject({ name: 'LlamitaError' });
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});

describe('byte sources', () => {
  const bytes = smallGguf();
  let server: Server;
  let base: string;
  beforeAll(async () => {
    // Serves the test file the way the hub does: a redirect, then range requests.
    server = createServer((req, res) => {
      if (req.url === '/redirect/model.gguf') {
        res.writeHead(302, { Location: '/files/model.gguf' }).end();
        return;
      }
      if (req.url !== '/files/model.gguf') {
        res.writeHead(404).end('not found');
        return;
      }
      const m = /bytes=(\d+)-(\d+)/.exec(req.headers.range ?? '');
      if (!m) {
        res.writeHead(200, { 'Content-Length': bytes.length }).end(Buffer.from(bytes));
        return;
      }
      const [start, end] = [Number(m[1]), Math.min(Number(m[2]), bytes.length - 1)];
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${bytes.length}`, 'Content-Length': end - start + 1 });
      res.end(Buffer.from(bytes.subarray(start, end + 1)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const check = async (file: GgufFile) => {
    expect(file.tensors.map((t) => t.name)).toEqual(['a', 'b']);
    expect([...(await readTensorData(file, file.tensors[0]!))]).toEqual(new Array(24).fill(1));
  };

  it('reads over http with range requests, following redirects', async () => {
    await check(await readGguf(await urlSource(`${base}/redirect/model.gguf`)));
  });
  it('names the URL when the server answers an error', async () => {
    await expect(urlSource(`${base}/missing.gguf`)).rejects.toMatchObject({ code: 'E_NETWORK', message: expect.stringMatching(`${base}/missing.gguf answered 404`) });
  });
  it('names the URL when nothing listens there', async () => {
    await expect(urlSource('http://127.0.0.1:9/model.gguf')).rejects.toMatchObject({ code: 'E_NETWORK', message: expect.stringMatching(/cannot reach http:\/\/127.0.0.1:9\/model.gguf/) });
  });
  it('reads a Blob (as from a browser File input)', async () => {
    await check(await readGguf(blobSource(new Blob([bytes as Uint8Array<ArrayBuffer>]), 'model.gguf')));
  });
  it('reads a file from disk and names a missing one', async () => {
    await expect(fileSource('/nonexistent/model.gguf')).rejects.toThrow(/cannot open \/nonexistent\/model.gguf: no such file/);
  });
});
