import { LlamitaError, allocateTensor, byteSize, sliceRows, tensorBytes, type Backend, type Tensor } from '@llamita/core';
import { f16ToF32, f32ToF16 } from '@llamita/tensor';
import type { LlamaConfig } from './config.js';

/** One layer's KV cache: key and value rows for every position. */
export interface LayerCache {
  /** [ctx, nKv, hd] */
  readonly k: Tensor;
  /** [ctx, nKv, hd] */
  readonly v: Tensor;
}

/** Element type of a KV cache. */
export type KvType = 'f16' | 'f32';

/**
 * The rows `[0, length)` of a KV cache as bytes, per layer: what moves a
 * conversation to another backend or into storage. `k[l]` and `v[l]` are
 * `[length, nKv, hd]` of `dtype`, row-major.
 */
export interface KvSnapshot {
  /** Tokens held. */
  readonly length: number;
  /** Element type of the bytes. */
  readonly dtype: KvType;
  /** Key rows of each layer. */
  readonly k: readonly Uint8Array[];
  /** Value rows of each layer. */
  readonly v: readonly Uint8Array[];
}

/**
 * A model's KV cache on one backend: `contextSize` rows of keys and values per
 * layer, of which the first {@link KvCache.length} hold tokens. Rows past
 * `length` are garbage the next evaluation overwrites.
 */
export class KvCache {
  private filled = 0;

  private constructor(
    /** The rows of every layer. */
    readonly layers: readonly LayerCache[],
    /** Element type. */
    readonly dtype: KvType,
    /** Rows per layer. */
    readonly contextSize: number,
    private readonly backend: Backend,
  ) {}

  /** Allocates an empty cache for `config` on `backend`. */
  static allocate(config: LlamaConfig, backend: Backend, contextSize: number, dtype: KvType): KvCache {
    const shape = [contextSize, config.nKvHeads, config.headDim];
    const layers = Array.from({ length: config.nLayers }, (_, l) => ({
      k: allocateTensor(backend, 'kv-cache', dtype, shape, `cache.k.${l}`),
      v: allocateTensor(backend, 'kv-cache', dtype, shape, `cache.v.${l}`),
    }));
    return new KvCache(layers, dtype, contextSize, backend);
  }

  /** Bytes needed for a cache of `contextSize` rows. */
  static bytesFor(config: LlamaConfig, contextSize: number, dtype: KvType): number {
    return 2 * config.nLayers * byteSize(dtype, [contextSize, config.nKvHeads, config.headDim]);
  }

  /** Tokens in the cache. */
  get length(): number {
    return this.filled;
  }

  /** Bytes the cache takes on its backend. */
  get byteLength(): number {
    return this.layers.reduce((sum, layer) => sum + tensorBytes(layer.k) + tensorBytes(layer.v), 0);
  }

  /**
   * Keeps the first `n` tokens and forgets the rest (the next evaluation
   * continues at position `n`).
   * @throws LlamitaError `E_INVALID_ARGUMENT` when `n` is not in `[0, length]`.
   */
  truncate(n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > this.filled) throw new LlamitaError('E_INVALID_ARGUMENT', `cannot truncate a cache of ${this.filled} tokens to ${n}`);
    this.filled = n;
  }

  /** Records that `count` more tokens were written (by a forward pass). */
  advance(count: number): void {
    this.filled += count;
  }

  /**
   * Drops rows `[keep, keep + discard)` and moves the rows after them down to
   * `keep` (llama.cpp's `seq_rm` then `seq_add` of a context shift); the moved
   * keys are passed through `rotateKeys` (bytes of `[rows, nKv, hd]` in the
   * cache's dtype) so that their rotary positions match their new rows.
   * @throws LlamitaError `E_INVALID_ARGUMENT` when the range is not inside `[0, length)`.
   */
  async shift(keep: number, discard: number, rotateKeys: (rows: Uint8Array) => Uint8Array): Promise<void> {
    const from = keep + discard;
    if (!Number.isInteger(keep) || !Number.isInteger(discard) || keep < 0 || discard < 1 || from > this.filled) {
      throw new LlamitaError('E_INVALID_ARGUMENT', `cannot drop ${discard} tokens after the first ${keep} of a cache of ${this.filled}`);
    }
    const moved = this.filled - from;
    if (moved > 0) {
      for (const layer of this.layers) {
        const rowBytes = tensorBytes(layer.k) / this.contextSize;
        const keys = rotateKeys(await this.backend.read(sliceRows(layer.k, from, moved)));
        const values = await this.backend.read(sliceRows(layer.v, from, moved));
        this.backend.write(layer.k.buffer, layer.k.byteOffset + keep * rowBytes, keys);
        this.backend.write(layer.v.buffer, layer.v.byteOffset + keep * rowBytes, values);
      }
    }
    this.filled -= discard;
  }

  /** Reads rows `[0, length)` of every layer. */
  async export(): Promise<KvSnapshot> {
    const rows = (t: Tensor) => this.backend.read(sliceRows(t, 0, this.filled));
    const k: Uint8Array[] = [];
    const v: Uint8Array[] = [];
    for (const layer of this.layers) {
      k.push(await rows(layer.k));
      v.push(await rows(layer.v));
    }
    return { length: this.filled, dtype: this.dtype, k, v };
  }

  /**
   * Replaces the cache's contents with a snapshot (of this model's shape),
   * converting f16 ↔ f32 when the dtypes differ.
   * @throws LlamitaError `E_INVALID_ARGUMENT` when the snapshot does not fit this cache.
   */
  import(snapshot: KvSnapshot): void {
    const [, nKv, hd] = this.layers[0]!.k.shape as [number, number, number];
    const rowBytes = byteSize(snapshot.dtype, [nKv * hd]);
    const fits =
      Number.isInteger(snapshot.length) &&
      snapshot.length >= 0 &&
      snapshot.length <= this.contextSize &&
      snapshot.k.length === this.layers.length &&
      snapshot.v.length === this.layers.length &&
      [...snapshot.k, ...snapshot.v].every((rows) => rows.byteLength === snapshot.length * rowBytes);
    if (!fits) {
      throw new LlamitaError(
        'E_INVALID_ARGUMENT',
        `a KV snapshot of ${snapshot.length} ${snapshot.dtype} rows for ${snapshot.k.length} layers does not fit this cache (${this.layers.length} layers, ${this.contextSize} rows of ${nKv}x${hd})`,
      );
    }
    this.layers.forEach((layer, l) => {
      for (const [t, rows] of [
        [layer.k, snapshot.k[l]!],
        [layer.v, snapshot.v[l]!],
      ] as const) {
        if (snapshot.length) this.backend.write(t.buffer, t.byteOffset, convertRows(rows, snapshot.dtype, this.dtype));
      }
    });
    this.filled = snapshot.length;
  }

  /** Frees the cache's buffers. */
  release(): void {
    for (const layer of this.layers) {
      this.backend.release(layer.k.buffer);
      this.backend.release(layer.v.buffer);
    }
  }
}

/** KV rows as bytes of another element type (f16 rounded to nearest even). */
function convertRows(bytes: Uint8Array, from: KvType, to: KvType): Uint8Array {
  if (from === to) return bytes;
  const aligned = bytes.slice();
  if (from === 'f16') return new Uint8Array(Float32Array.from(new Uint16Array(aligned.buffer), (h) => f16ToF32(h)).buffer);
  return new Uint8Array(Uint16Array.from(new Float32Array(aligned.buffer), (x) => f32ToF16(x)).buffer);
}
