import { LlamitaError } from '@llamita/core';
import type { GgufFile } from './reader.js';
import type { GgufArray } from './types.js';

function entry(file: GgufFile, key: string, required: boolean) {
  const e = file.metadata.get(key);
  if (!e && required) throw new LlamitaError('E_UNSUPPORTED_MODEL', `${file.source.name}: metadata ${key} is missing`, { key });
  return e;
}

/** A numeric metadata value; `fallback` when absent (or an `E_UNSUPPORTED_MODEL` error when none is given). */
export function metaNumber(file: GgufFile, key: string, fallback?: number): number {
  const e = entry(file, key, fallback === undefined);
  if (!e) return fallback!;
  if (typeof e.value !== 'number' && typeof e.value !== 'bigint') throw new LlamitaError('E_BAD_FILE', `${file.source.name}: metadata ${key} is ${e.type}, expected a number`, { key });
  return Number(e.value);
}

/** A string metadata value; `fallback` when absent (or an `E_UNSUPPORTED_MODEL` error when none is given). */
export function metaString(file: GgufFile, key: string, fallback?: string): string {
  const e = entry(file, key, fallback === undefined);
  if (!e) return fallback!;
  if (typeof e.value !== 'string') throw new LlamitaError('E_BAD_FILE', `${file.source.name}: metadata ${key} is ${e.type}, expected a string`, { key });
  return e.value;
}

/** An array metadata value, or undefined when absent. */
export function metaArray(file: GgufFile, key: string): GgufArray | undefined {
  const e = entry(file, key, false);
  if (!e) return undefined;
  if (e.type !== 'array') throw new LlamitaError('E_BAD_FILE', `${file.source.name}: metadata ${key} is ${e.type}, expected an array`, { key });
  return e.value as GgufArray;
}
