import { byteSize, type DType, type Tensor } from '@llamita/core';

/**
 * The interleaved layouts of the repacked types (assembly/matmul-q4.ts): per
 * group of four rows and block of `block` elements, the four `header`s
 * (Q4_0's scales), then the four `payload`s (the rest) interleaved by four-byte words.
 * Rows past the last whole group of four stay in GGUF's layout.
 */
const INTERLEAVED = {
  q4_0: { block: 32, header: 2, payload: 16 },
  q4_k: { block: 256, header: 0, payload: 144 },
} as const;

/** Weight types whose kernels read the interleaved layout. */
export type InterleavedDType = keyof typeof INTERLEAVED;

/** Whether weights of `dtype` are stored interleaved. */
export const isInterleaved = (dtype: DType): dtype is InterleavedDType => dtype in INTERLEAVED;

/** A weight buffer stored interleaved: where it lives and what it holds. */
export interface InterleavedWeight {
  readonly address: number;
  readonly rows: number;
  readonly cols: number;
  readonly dtype: InterleavedDType;
}

/** What the layout needs from the backend: the memory's bytes, and the kernel that (un)interleaves groups of rows in place. */
export interface LayoutHost {
  bytes(): Uint8Array;
  /** Rewrites `rows` (a multiple of 4) rows at `address` into (`unpack` 0) or out of (1) the interleaved layout. */
  repack(address: number, rows: number, w: InterleavedWeight, unpack: boolean): void;
}

/**
 * Q4_0 and Q4_K weight buffers, laid out for their kernels when they are
 * allocated (contract v2: `allocate` says a buffer holds weights of a dtype
 * and shape). Writes and reads speak GGUF's layout: a write rewrites only the
 * groups of four rows it touches, a read builds a GGUF copy and leaves the
 * buffer as it is.
 */
export class InterleavedWeights {
  private readonly byBuffer = new Map<number, InterleavedWeight>();

  constructor(private readonly host: LayoutHost) {}

  /** Records that buffer `id` at `address` holds one interleaved weight. */
  add(id: number, address: number, dtype: InterleavedDType, shape: readonly number[]): void {
    this.byBuffer.set(id, { address, rows: shape[0]!, cols: shape[1]!, dtype });
  }

  /** Forgets a released buffer. */
  delete(id: number): void {
    this.byBuffer.delete(id);
  }

  /** Forgets every buffer. */
  clear(): void {
    this.byBuffer.clear();
  }

  /** The interleaved weight a matmul's whole `w` is, if it is one. */
  weightOf(t: Tensor): InterleavedWeight | undefined {
    const w = this.byBuffer.get(t.buffer.id);
    return w && t.byteOffset === 0 && t.dtype === w.dtype && t.shape[0] === w.rows && t.shape[1] === w.cols ? w : undefined;
  }

  /** Whether buffer `id` holds an interleaved weight. */
  has(id: number): boolean {
    return this.byBuffer.has(id);
  }

  /**
   * Writes GGUF-layout `data` at `byteOffset` of buffer `id`: the groups of
   * four rows it touches are written and interleaved again; a group it covers
   * only in part is put back into GGUF's layout first, to keep its other bytes.
   */
  write(id: number, byteOffset: number, data: Uint8Array): void {
    const w = this.byBuffer.get(id)!;
    const rowBytes = byteSize(w.dtype, [w.cols]);
    const grouped = w.rows - (w.rows % 4);
    const first = Math.min(grouped, Math.floor(byteOffset / rowBytes / 4) * 4);
    const end = Math.min(grouped, Math.ceil((byteOffset + data.byteLength) / rowBytes / 4) * 4);
    const at = (row: number) => w.address + row * rowBytes;
    // only a group the write covers in part keeps bytes of its own: put those back into GGUF's layout first
    // (a whole-tensor upload, the common case, unpacks nothing)
    const partial = new Set<number>();
    if (end > first && byteOffset > first * rowBytes) partial.add(first);
    if (end > first && byteOffset + data.byteLength < end * rowBytes) partial.add(end - 4);
    for (const row of partial) this.host.repack(at(row), 4, w, true);
    this.host.bytes().set(data, w.address + byteOffset);
    if (end > first) this.host.repack(at(first), end - first, w, false);
  }

  /** Bytes `[from, to)` of buffer `id` in GGUF's layout, as a new array (the buffer is not changed). */
  read(id: number, from: number, to: number): Uint8Array {
    const w = this.byBuffer.get(id)!;
    const rowBytes = byteSize(w.dtype, [w.cols]);
    const out = new Uint8Array(to - from);
    const row = new Uint8Array(rowBytes);
    for (let r = Math.floor(from / rowBytes); r * rowBytes < to; r++) {
      this.ggufRow(w, r, row);
      const start = r * rowBytes;
      const [a, b] = [Math.max(from, start), Math.min(to, start + rowBytes)];
      out.set(row.subarray(a - start, b - start), a - from);
    }
    return out;
  }

  /** Row `r` of `w` in GGUF's layout, into `row` (`rowBytes` long). */
  ggufRow(w: InterleavedWeight, r: number, row: Uint8Array): void {
    const memory = this.host.bytes();
    const rowBytes = row.byteLength;
    if (r >= w.rows - (w.rows % 4)) {
      row.set(memory.subarray(w.address + r * rowBytes, w.address + (r + 1) * rowBytes));
      return;
    }
    const group = w.address + (r - (r % 4)) * rowBytes;
    const lane = r % 4;
    // block b: the four rows' headers, then their payloads interleaved by four-byte words
    const { block, header, payload } = INTERLEAVED[w.dtype];
    const blockBytes = header + payload;
    for (let b = 0; b < w.cols / block; b++) {
      const packed = group + 4 * b * blockBytes;
      row.set(memory.subarray(packed + lane * header, packed + (lane + 1) * header), b * blockBytes);
      for (let v = 0; v < payload / 4; v++) {
        const word = packed + 4 * header + (4 * v + lane) * 4;
        row.set(memory.subarray(word, word + 4), b * blockBytes + header + 4 * v);
      }
    }
  }

  /** The header and payload sizes of `dtype`'s blocks, for the repacking kernel. */
  static geometry(dtype: InterleavedDType): { readonly block: number; readonly header: number; readonly payload: number } {
    return INTERLEAVED[dtype];
  }
}
