import { DTYPE_INFO, LlamitaError, byteSize } from '@llamita/core';
import type { ByteSource } from './source.js';
import { GGML_TYPE_NAMES, GGUF_VALUE_TYPES, dtypeOfGgmlType, type GgufArray, type GgufScalar, type GgufTensorInfo, type GgufValue, type GgufValueType } from './types.js';

/** Bounds that keep a hostile header from costing unbounded time or memory. */
export const GGUF_LIMITS = {
  /** Most tensors a file may declare. */
  maxTensors: 1 << 16,
  /** Most metadata entries. */
  maxKeys: 1 << 16,
  /** Longest key. */
  maxKeyBytes: 1 << 16,
  /** Longest string value. */
  maxStringBytes: 1 << 26,
  /** Most dimensions of a tensor (ggml's GGML_MAX_DIMS). */
  maxDims: 4,
  /** Deepest array nesting. */
  maxArrayDepth: 4,
  /** Largest header we parse. */
  maxHeaderBytes: 1 << 30,
} as const;

const GGUF_MAGIC = 0x46554747; // "GGUF" little-endian

/** A parsed GGUF header, with access to tensor data through its source. */
export interface GgufFile {
  /** Format version (2 or 3). */
  readonly version: number;
  /** Metadata key-value pairs in file order. */
  readonly metadata: ReadonlyMap<string, GgufValue>;
  /** Tensor infos in file order. */
  readonly tensors: readonly GgufTensorInfo[];
  /** Absolute offset of the data section. */
  readonly dataOffset: number;
  /** Alignment of tensor data (general.alignment, default 32). */
  readonly alignment: number;
  /** The bytes behind it. */
  readonly source: ByteSource;
}

/** Thrown inside the parser when the window is too short; the caller reads more and retries. */
class NeedMoreBytes extends Error {}

/** A cursor over the header bytes read so far. */
class Cursor {
  pos = 0;
  private readonly dv: DataView;
  private readonly text = new TextDecoder('utf-8', { fatal: true });
  constructor(
    private readonly bytes: Uint8Array,
    private readonly fileSize: number,
    private readonly name: string,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  /** Ensures n more bytes exist in the file (else: truncated) and in the window (else: read more). */
  need(n: number, what: string): void {
    if (this.pos + n > this.fileSize) throw bad(this.name, `truncated while reading ${what} at byte ${this.pos} (${n} bytes needed, file is ${this.fileSize})`);
    if (this.pos + n > this.bytes.byteLength) throw new NeedMoreBytes();
  }
  remaining(): number {
    return this.fileSize - this.pos;
  }
  u8(what: string): number {
    this.need(1, what);
    return this.dv.getUint8(this.pos++);
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.dv.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(what: string): bigint {
    this.need(8, what);
    const v = this.dv.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
  /** A u64 that must be a count or size no larger than `max`. */
  count(what: string, max: number): number {
    const v = this.u64(what);
    if (v > BigInt(max)) throw bad(this.name, `${what} is ${v}, more than the limit ${max}`);
    return Number(v);
  }
  string(what: string, maxBytes: number): string {
    const len = this.count(`length of ${what}`, maxBytes);
    this.need(len, what);
    try {
      const s = this.text.decode(this.bytes.subarray(this.pos, this.pos + len));
      this.pos += len;
      return s;
    } catch {
      throw bad(this.name, `${what} at byte ${this.pos} is not valid UTF-8`);
    }
  }
  scalar(type: GgufValueType, what: string): GgufScalar {
    const size = SCALAR_BYTES[type];
    if (size === undefined) return this.string(what, GGUF_LIMITS.maxStringBytes);
    this.need(size, what);
    const p = this.pos;
    this.pos += size;
    switch (type) {
      case 'u8':
        return this.dv.getUint8(p);
      case 'i8':
        return this.dv.getInt8(p);
      case 'u16':
        return this.dv.getUint16(p, true);
      case 'i16':
        return this.dv.getInt16(p, true);
      case 'u32':
        return this.dv.getUint32(p, true);
      case 'i32':
        return this.dv.getInt32(p, true);
      case 'f32':
        return this.dv.getFloat32(p, true);
      case 'f64':
        return this.dv.getFloat64(p, true);
      case 'bool': {
        const b = this.dv.getUint8(p);
        if (b > 1) throw bad(this.name, `${what} is a bool of value ${b}`);
        return b === 1;
      }
      case 'u64':
        return safe(this.dv.getBigUint64(p, true));
      default:
        return safe(this.dv.getBigInt64(p, true));
    }
  }
  array(what: string, depth: number): GgufArray {
    if (depth > GGUF_LIMITS.maxArrayDepth) throw bad(this.name, `${what} nests arrays deeper than ${GGUF_LIMITS.maxArrayDepth}`);
    const itemType = this.valueType(`item type of ${what}`);
    // Every item takes at least its scalar size (strings and arrays at least 8 bytes of length).
    const minItem = SCALAR_BYTES[itemType] ?? 8;
    const n = this.count(`item count of ${what}`, Math.floor(this.remaining() / minItem));
    if (itemType === 'array') return { itemType, items: Array.from({ length: n }, (_, i) => this.array(`${what}[${i}]`, depth + 1)) };
    if (itemType === 'f32' || itemType === 'i32' || itemType === 'u32') {
      this.need(n * 4, what);
      const copy = this.bytes.slice(this.pos, this.pos + n * 4);
      this.pos += n * 4;
      const Ctor = itemType === 'f32' ? Float32Array : itemType === 'i32' ? Int32Array : Uint32Array;
      return { itemType, items: new Ctor(copy.buffer) };
    }
    const items: GgufScalar[] = new Array(n);
    for (let i = 0; i < n; i++) items[i] = this.scalar(itemType, what);
    return { itemType, items };
  }
  valueType(what: string): GgufValueType {
    const id = this.u32(what);
    const type = GGUF_VALUE_TYPES[id];
    if (!type) throw bad(this.name, `${what} is unknown value type ${id}`);
    return type;
  }
}

const SCALAR_BYTES: Partial<Record<GgufValueType, number>> = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, bool: 1, u64: 8, i64: 8, f64: 8 };

const safe = (v: bigint): number | bigint => (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v);

function bad(name: string, message: string): LlamitaError {
  return new LlamitaError('E_BAD_FILE', `${name}: ${message}`, { file: name });
}

/** Parses the whole header from a window that holds it; throws NeedMoreBytes when it does not. */
function parseHeader(bytes: Uint8Array, source: ByteSource): Omit<GgufFile, 'source'> {
  const c = new Cursor(bytes, source.size, source.name);
  const magic = c.u32('magic');
  if (magic !== GGUF_MAGIC) throw bad(source.name, `not a GGUF file (magic 0x${magic.toString(16).padStart(8, '0')}, expected "GGUF")`);
  const version = c.u32('version');
  if (version !== 2 && version !== 3) throw bad(source.name, `GGUF version ${version} is not supported (only 2 and 3)`);
  const tensorCount = c.count('tensor count', GGUF_LIMITS.maxTensors);
  const kvCount = c.count('metadata count', GGUF_LIMITS.maxKeys);

  const metadata = new Map<string, GgufValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = c.string(`key #${i}`, GGUF_LIMITS.maxKeyBytes);
    const type = c.valueType(`type of ${key}`);
    const value = type === 'array' ? c.array(key, 1) : c.scalar(type, key);
    if (metadata.has(key)) throw bad(source.name, `duplicate metadata key ${key}`);
    metadata.set(key, { type, value });
  }

  const alignEntry = metadata.get('general.alignment');
  const alignment = alignEntry === undefined ? 32 : Number(alignEntry.value);
  if (!Number.isInteger(alignment) || alignment <= 0 || alignment > 1 << 20 || (alignment & (alignment - 1)) !== 0) {
    throw bad(source.name, `general.alignment ${String(alignEntry?.value)} is not a power of two`);
  }

  const raw: { name: string; typeId: number; dims: number[]; offset: number }[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = c.string(`name of tensor #${i}`, GGUF_LIMITS.maxKeyBytes);
    const nDims = c.u32(`dimension count of ${name}`);
    if (nDims > GGUF_LIMITS.maxDims) throw bad(source.name, `tensor ${name} has ${nDims} dimensions (at most ${GGUF_LIMITS.maxDims})`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(c.count(`dimension ${d} of ${name}`, source.size * 8));
    const typeId = c.u32(`type of ${name}`);
    const offset = c.count(`offset of ${name}`, source.size);
    raw.push({ name, typeId, dims, offset });
  }
  const dataOffset = Math.ceil(c.pos / alignment) * alignment;
  const dataSize = source.size - dataOffset;
  if (tensorCount > 0 && dataSize < 0) throw bad(source.name, `truncated: the data section would start at ${dataOffset}, past the end`);

  const tensors = raw.map(({ name, typeId, dims, offset }) => tensorInfo(source.name, name, typeId, dims, offset, alignment, dataSize));
  checkOverlaps(source.name, tensors);
  return { version, metadata, tensors, dataOffset, alignment };
}

function tensorInfo(file: string, name: string, typeId: number, dims: number[], offset: number, alignment: number, dataSize: number): GgufTensorInfo {
  const dtype = dtypeOfGgmlType(typeId);
  if (!dtype) {
    const known = GGML_TYPE_NAMES[typeId];
    throw new LlamitaError(known ? 'E_UNSUPPORTED_MODEL' : 'E_BAD_FILE', `${file}: tensor ${name} has ${known ? `type ${known}, which llamita does not support` : `unknown type id ${typeId}`}`, {
      file,
      tensor: name,
    });
  }
  const shape = [...dims].reverse();
  const { blockSize } = DTYPE_INFO[dtype];
  if ((dims[0] ?? 1) % blockSize !== 0) throw bad(file, `tensor ${name} has rows of ${dims[0]}, not a multiple of ${dtype}'s block size ${blockSize}`);
  const elements = dims.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(elements) || elements > dataSize * 8) throw bad(file, `tensor ${name} of shape [${shape.join(', ')}] is larger than the whole file: the file is truncated or corrupt`);
  const byteLength = byteSize(dtype, shape);
  if (offset % alignment !== 0) throw bad(file, `tensor ${name} at offset ${offset} is not aligned to ${alignment}`);
  if (offset + byteLength > dataSize) throw bad(file, `the file is truncated: tensor ${name} (${byteLength} bytes at data offset ${offset}) runs past its end (${dataSize} bytes of tensor data)`);
  return { name, dtype, shape, offset, byteLength };
}

function checkOverlaps(file: string, tensors: readonly GgufTensorInfo[]): void {
  const names = new Set<string>();
  for (const t of tensors) {
    if (names.has(t.name)) throw bad(file, `duplicate tensor name ${t.name}`);
    names.add(t.name);
  }
  const sorted = [...tensors].filter((t) => t.byteLength > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (prev.offset + prev.byteLength > cur.offset) throw bad(file, `tensors ${prev.name} and ${cur.name} overlap`);
  }
}

/**
 * Reads a GGUF header (v2 or v3) from any {@link ByteSource}, fetching the
 * first megabyte and more only as the header needs it. Every count, length
 * and offset is checked against the file size and {@link GGUF_LIMITS}.
 * @throws LlamitaError `E_BAD_FILE` naming what is wrong; `E_UNSUPPORTED_MODEL` for a tensor type we cannot run.
 */
export async function readGguf(source: ByteSource): Promise<GgufFile> {
  let window = Math.min(source.size, 1 << 20);
  for (;;) {
    const bytes = await source.read(0, window);
    try {
      return { ...parseHeader(bytes, source), source };
    } catch (e) {
      if (!(e instanceof NeedMoreBytes)) throw e;
      if (window >= GGUF_LIMITS.maxHeaderBytes) throw bad(source.name, `header is larger than ${GGUF_LIMITS.maxHeaderBytes} bytes`);
      window = Math.min(source.size, window * 4, GGUF_LIMITS.maxHeaderBytes);
    }
  }
}

/** The bytes of one tensor. */
export function readTensorData(file: GgufFile, tensor: GgufTensorInfo): Promise<Uint8Array> {
  return file.source.read(file.dataOffset + tensor.offset, tensor.byteLength);
}
