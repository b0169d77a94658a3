import { open } from 'node:fs/promises';
import { LlamitaError } from '@llamita/core';
import { checkRange, type ByteSource } from './source.js';

/**
 * A source over a file on disk (Node only), read with positioned reads: the
 * file is never loaded whole into JavaScript memory.
 * @throws LlamitaError `E_BAD_FILE` when the file cannot be opened.
 */
export async function fileSource(path: string): Promise<ByteSource> {
  const handle = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new LlamitaError('E_BAD_FILE', `cannot open ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, { path });
  });
  const { size } = await handle.stat();
  return {
    size,
    name: path,
    async read(offset, length) {
      checkRange({ size, name: path }, offset, length);
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, offset + done);
        if (bytesRead === 0) throw new LlamitaError('E_BAD_FILE', `${path}: file shrank while reading`);
        done += bytesRead;
      }
      return out;
    },
    close: () => handle.close(),
  };
}
