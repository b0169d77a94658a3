import { byteSize, LlamitaError, type DType } from '@llamita/core';
import { GGML_TYPE_IDS, GGUF_VALUE_TYPES, type GgufArray, type GgufScalar, type GgufValue, type GgufValueType } from './types.js';

/** A tensor to write: name, dtype, shape (outermost first) and its encoded bytes. */
export interface GgufTensorToWrite {
  /** Tensor name, e.g. `blk.0.attn_q.weight`. */
  readonly name: string;
  /** Storage type. */
  readonly dtype: DType;
  /** Shape, outermost first. */
  readonly shape: readonly number[];
  /** Encoded bytes, exactly `byteSize(dtype, shape)` long. */
  readonly data: Uint8Array;
}

/** Grows a byte array as values are appended (little-endian). */
class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private dv = new DataView(this.buf.buffer);
  length = 0;
  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
      this.dv = new DataView(next.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  u32(v: number): void {
    const at = this.reserve(4);
    this.dv.setUint32(at, v, true);
  }
  u64(v: number | bigint): void {
    const at = this.reserve(8);
    this.dv.setBigUint64(at, BigInt(v), true);
  }
  bytes(b: Uint8Array): void {
    const at = this.reserve(b.length); // may reallocate: take buf after
    this.buf.set(b, at);
  }
  string(s: string): void {
    const b = new TextEncoder().encode(s);
    this.u64(b.length);
    this.bytes(b);
  }
  scalar(type: GgufValueType, v: GgufScalar): void {
    const dv = (n: number) => {
      const at = this.reserve(n); // may reallocate: take the view after
      return [this.dv, at] as const;
    };
    switch (type) {
      case 'u8': {
        const [d, p] = dv(1);
        d.setUint8(p, Number(v));
        return;
      }
      case 'i8': {
        const [d, p] = dv(1);
        d.setInt8(p, Number(v));
        return;
      }
      case 'u16': {
        const [d, p] = dv(2);
        d.setUint16(p, Number(v), true);
        return;
      }
      case 'i16': {
        const [d, p] = dv(2);
        d.setInt16(p, Number(v), true);
        return;
      }
      case 'u32': {
        const [d, p] = dv(4);
        d.setUint32(p, Number(v), true);
        return;
      }
      case 'i32': {
        const [d, p] = dv(4);
        d.setInt32(p, Number(v), true);
        return;
      }
      case 'f32': {
        const [d, p] = dv(4);
        d.setFloat32(p, Number(v), true);
        return;
      }
      case 'f64': {
        const [d, p] = dv(8);
        d.setFloat64(p, Number(v), true);
        return;
      }
      case 'bool': {
        const [d, p] = dv(1);
        d.setUint8(p, v ? 1 : 0);
        return;
      }
      case 'u64': {
        const [d, p] = dv(8);
        d.setBigUint64(p, BigInt(v), true);
        return;
      }
      case 'i64': {
        const [d, p] = dv(8);
        d.setBigInt64(p, BigInt(v), true);
        return;
      }
      case 'string':
        this.string(String(v));
        return;
      case 'array':
        throw new LlamitaError('E_INVALID_ARGUMENT', 'an array value needs an item type');
    }
  }
  value(v: GgufValue): void {
    if (v.type !== 'array') return this.scalar(v.type, v.value as GgufScalar);
    const arr = v.value as GgufArray;
    this.array(arr);
  }
  array(arr: GgufArray): void {
    this.u32(GGUF_VALUE_TYPES.indexOf(arr.itemType));
    this.u64(arr.items.length);
    for (const item of Array.from(arr.items as ArrayLike<GgufScalar | GgufArray>)) {
      if (arr.itemType === 'array') this.array(item as GgufArray);
      else this.scalar(arr.itemType, item as GgufScalar);
    }
  }
  pad(alignment: number): void {
    this.reserve((alignment - (this.length % alignment)) % alignment);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

/** The result of {@link ggufHeader}. */
export interface GgufHeader {
  /** Bytes up to the start of the tensor data. */
  readonly header: Uint8Array;
  /** Alignment of each tensor's data. */
  readonly alignment: number;
}

/** A tensor's header entry: what {@link ggufHeader} needs before the data exists. */
export type GgufTensorLayout = Omit<GgufTensorToWrite, 'data'>;

/** Padding after `bytes` bytes to reach the next multiple of `alignment`. */
export const paddingFor = (bytes: number, alignment: number): number => (alignment - (bytes % alignment)) % alignment;

/**
 * The header of a GGUF v3 file (metadata, tensor infos, padding to the data
 * section), for tensors written afterwards in the same order, each followed by
 * {@link paddingFor} zero bytes. Lets a writer stream tensors it has not made yet.
 */
export function ggufHeader(metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensorLayout[]): GgufHeader {
  const alignEntry = metadata.get('general.alignment');
  const alignment = alignEntry ? Number(alignEntry.value) : 32;
  const w = new ByteWriter();
  w.u32(0x46554747);
  w.u32(3);
  w.u64(tensors.length);
  w.u64(metadata.size);
  for (const [key, value] of metadata) {
    w.string(key);
    w.u32(GGUF_VALUE_TYPES.indexOf(value.type));
    w.value(value);
  }
  let offset = 0;
  for (const t of tensors) {
    const typeId = GGML_TYPE_IDS[t.dtype];
    if (typeId === undefined) throw new LlamitaError('E_DTYPE', `tensor ${t.name}: ${t.dtype} has no GGUF type`);
    w.string(t.name);
    w.u32(t.shape.length);
    for (const d of [...t.shape].reverse()) w.u64(d);
    w.u32(typeId);
    w.u64(offset);
    const bytes = byteSize(t.dtype, t.shape);
    offset += bytes + paddingFor(bytes, alignment);
  }
  w.pad(alignment);
  return { header: w.result(), alignment };
}

/**
 * Serializes a GGUF v3 file: the header (metadata, tensor infos) followed by
 * the aligned tensor data. Returned as parts to write one after another, so
 * large tensors are not copied into one buffer.
 * @throws LlamitaError `E_INVALID_ARGUMENT` when a tensor's bytes do not match its dtype and shape.
 */
export function serializeGguf(metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensorToWrite[]): Uint8Array[] {
  for (const t of tensors) {
    const expected = byteSize(t.dtype, t.shape);
    if (t.data.byteLength !== expected) {
      throw new LlamitaError('E_INVALID_ARGUMENT', `tensor ${t.name}: ${t.data.byteLength} bytes given, ${t.dtype}[${t.shape.join(', ')}] needs ${expected}`);
    }
  }
  const { header, alignment } = ggufHeader(metadata, tensors);
  const parts: Uint8Array[] = [header];
  for (const t of tensors) {
    parts.push(t.data);
    const padding = paddingFor(t.data.byteLength, alignment);
    if (padding) parts.push(new Uint8Array(padding));
  }
  return parts;
}
