import { byteSize, LlamitaError, type DType } from '@llamita/core';
import type { ByteSource } from '../gguf/source.js';

/** One tensor of a safetensors file, as its header declares it. */
export interface SafetensorsEntry {
  /** Name in the file (Hugging Face's scheme). */
  readonly name: string;
  /** Storage type. */
  readonly dtype: DType;
  /** Shape, outermost first. */
  readonly shape: readonly number[];
  /** Absolute offset of the data in the file. */
  readonly offset: number;
  /** Size in bytes. */
  readonly byteLength: number;
}

/** A parsed safetensors file. */
export interface SafetensorsFile {
  /** The bytes behind it. */
  readonly source: ByteSource;
  /** Tensors by name. */
  readonly tensors: ReadonlyMap<string, SafetensorsEntry>;
  /** The free-form `__metadata__` strings. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Largest JSON header we parse (real ones are well under 1 MB). */
export const MAX_SAFETENSORS_HEADER = 100 * 1024 * 1024;

const DTYPES: Readonly<Record<string, DType>> = { F32: 'f32', F16: 'f16', BF16: 'bf16', I32: 'i32' };

const bad = (file: string, message: string) => new LlamitaError('E_BAD_FILE', `${file}: ${message}`, { file });

/**
 * Reads a safetensors header: 8-byte little-endian length, JSON, then data.
 * Every offset is checked against the file and the dtype and shape, and
 * tensors may not overlap.
 * @throws LlamitaError `E_BAD_FILE` naming what is wrong; `E_UNSUPPORTED_MODEL` for a dtype we cannot run.
 */
export async function readSafetensors(source: ByteSource): Promise<SafetensorsFile> {
  const name = source.name;
  if (source.size < 8) throw bad(name, 'too short for a safetensors header');
  const head = await source.read(0, 8);
  const n = Number(new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true));
  if (n > MAX_SAFETENSORS_HEADER || 8 + n > source.size) throw bad(name, `header length ${n} is larger than the file or the limit`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await source.read(8, n))) as Record<string, unknown>;
  } catch (e) {
    throw bad(name, `header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad(name, 'header is not a JSON object');
  const dataStart = 8 + n;
  const tensors = new Map<string, SafetensorsEntry>();
  let metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(header)) {
    const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (key === '__metadata__') {
      if (!isObject || !Object.values(value).every((m) => typeof m === 'string')) throw bad(name, '__metadata__ is not an object of strings');
      metadata = value as Record<string, string>;
      continue;
    }
    if (!isObject) throw bad(name, `tensor ${key} is not described by an object`);
    const v = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    // own keys only: a dtype named "constructor" must not find Object's
    const dtype = typeof v.dtype === 'string' && Object.hasOwn(DTYPES, v.dtype) ? DTYPES[v.dtype] : undefined;
    if (!dtype) throw new LlamitaError('E_UNSUPPORTED_MODEL', `${name}: tensor ${key} has dtype ${String(v.dtype)}, which llamita does not support`, { tensor: key });
    const shape = v.shape;
    const offsets = v.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0) || shape.length > 4) throw bad(name, `tensor ${key} has a bad shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) throw bad(name, `tensor ${key} has bad data_offsets`);
    const [begin, end] = offsets as [number, number];
    const expected = byteSize(dtype, shape as number[]);
    if (end - begin !== expected) throw bad(name, `tensor ${key}: ${end - begin} bytes for ${dtype}[${shape.join(', ')}], which needs ${expected}`);
    if (dataStart + end > source.size) throw bad(name, `the file is truncated: tensor ${key} runs past the end of the file (${source.size} bytes)`);
    tensors.set(key, { name: key, dtype, shape: shape as number[], offset: dataStart + begin, byteLength: expected });
  }
  const sorted = [...tensors.values()].filter((t) => t.byteLength > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i - 1]!.offset + sorted[i - 1]!.byteLength > sorted[i]!.offset) throw bad(name, `tensors ${sorted[i - 1]!.name} and ${sorted[i]!.name} overlap`);
  }
  return { source, tensors, metadata };
}

/**
 * Serializes tensors as a safetensors file (F32, F16, BF16, I32), for tests and
 * conversions. Offsets follow the given order.
 */
export function serializeSafetensors(tensors: readonly { name: string; dtype: DType; shape: readonly number[]; data: Uint8Array }[], metadata: Record<string, string> = {}): Uint8Array[] {
  const names: Record<DType, string> = Object.fromEntries(Object.entries(DTYPES).map(([k, v]) => [v, k])) as Record<DType, string>;
  const header: Record<string, unknown> = Object.keys(metadata).length ? { __metadata__: metadata } : {};
  let offset = 0;
  for (const t of tensors) {
    if (!names[t.dtype]) throw new LlamitaError('E_DTYPE', `safetensors cannot hold ${t.dtype}`);
    header[t.name] = { dtype: names[t.dtype], shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8); // data starts 8-byte aligned, as the format recommends
  const text = new TextEncoder().encode(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(text.length), true);
  return [prefix, text, ...tensors.map((t) => t.data)];
}
