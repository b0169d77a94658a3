import { LlamitaError, byteSize, type BufferHandle, type Tensor } from '@llamita/core';
import { dequantize } from '@llamita/tensor';
import type { RowReader } from './kernels.js';

/**
 * Typed views of tensors over whatever storage a backend keeps (one
 * ArrayBuffer per buffer for js, one wasm memory for wasm): what the
 * reference kernels read and write. Views are made per use, so a storage that
 * moves (a wasm memory that grew) is always seen afresh.
 */
export class TensorViews {
  /** @param storage - the live bytes of a buffer, or a throw for one that is not */
  constructor(private readonly storage: (buffer: BufferHandle) => Uint8Array) {}

  /** The bytes of a buffer. */
  bytes(buffer: BufferHandle): Uint8Array {
    return this.storage(buffer);
  }

  /** An f32 view of a tensor's bytes. */
  f32(t: Tensor): Float32Array {
    const bytes = this.storage(t.buffer);
    if (t.byteOffset % 4 !== 0) throw new LlamitaError('E_INVALID_ARGUMENT', `f32 tensor at unaligned byte offset ${t.byteOffset}`);
    return new Float32Array(bytes.buffer, bytes.byteOffset + t.byteOffset, byteSize('f32', t.shape) / 4);
  }

  /** An f16-bits view of a tensor's bytes. */
  u16(t: Tensor): Uint16Array {
    const bytes = this.storage(t.buffer);
    if (t.byteOffset % 2 !== 0) throw new LlamitaError('E_INVALID_ARGUMENT', `f16 tensor at unaligned byte offset ${t.byteOffset}`);
    return new Uint16Array(bytes.buffer, bytes.byteOffset + t.byteOffset, byteSize('f16', t.shape) / 2);
  }

  /** An i32 view of a tensor's bytes. */
  i32(t: Tensor): Int32Array {
    const f = this.f32(t);
    return new Int32Array(f.buffer, f.byteOffset, f.length);
  }

  /** Row reader over a `[rows, cols]` weight of any dtype, in GGUF's layout. */
  rows(t: Tensor): RowReader {
    const bytes = this.storage(t.buffer);
    const cols = t.shape[1]!;
    const rowBytes = byteSize(t.dtype, [cols]);
    if (t.dtype === 'f32' && t.byteOffset % 4 === 0) {
      const all = this.f32(t);
      // copied element by element: a subarray per row would allocate once per weight row of every matmul
      return (row, out) => {
        for (let c = 0, o = row * cols; c < cols; c++) out[c] = all[o + c]!;
      };
    }
    return (row, out) => dequantize(t.dtype, bytes, t.byteOffset + row * rowBytes, cols, out, 0);
  }
}
