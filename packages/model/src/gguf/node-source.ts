import { open } from 'node:fs/promises';
import { LlamitaError } from '@llamita/core';
import { checkRange, type ByteSource } from './source.js';

/**
 * A source over a file on disk (Node only), read with positioned reads: the
 * file is never loaded whole into JavaScript memory. Each read first checks
 * that the file is the one opened (same size and modification time): an
 * engine re-reads weights when it moves between backends, and a file
 * rewritten meanwhile would otherwise give it other weights without a word.
 * @throws LlamitaError `E_BAD_FILE` when the file cannot be opened; from `read`, when it changed since.
 */
export async function fileSource(path: string): Promise<ByteSource> {
  const handle = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new LlamitaError('E_BAD_FILE', `cannot open ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, { path });
  });
  const { size, mtimeMs } = await handle.stat();
  return {
    size,
    name: path,
    async read(offset, length) {
      checkRange({ size, name: path }, offset, length);
      const now = await handle.stat();
      if (now.size !== size || now.mtimeMs !== mtimeMs) throw new LlamitaError('E_BAD_FILE', `${path}: the file changed since it was opened (reload the model)`, { path });
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
