import { LlamitaError } from '@llamita/core';

/** A JSON object of a JSONL file, with its line number for error messages. */
export interface JsonlRecord {
  /** 1-based line number. */
  readonly line: number;
  /** The parsed object. */
  readonly value: Record<string, unknown>;
}

/**
 * The records of a JSONL text (blank lines skipped).
 * @throws LlamitaError `E_BAD_FILE` naming the line that is not a JSON object.
 */
export function parseJsonl(text: string, source: string): JsonlRecord[] {
  const records: JsonlRecord[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new LlamitaError('E_BAD_FILE', `${source}:${i + 1}: not JSON (${(e as Error).message})`, { line: i + 1 });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new LlamitaError('E_BAD_FILE', `${source}:${i + 1}: not a JSON object`, { line: i + 1 });
    records.push({ line: i + 1, value: value as Record<string, unknown> });
  });
  return records;
}

/** Reads fields of one record, naming the file, line and field when one is missing or of the wrong type. */
export class Fields {
  constructor(
    private readonly record: JsonlRecord,
    private readonly source: string,
  ) {}

  private bad(path: string, what: string): LlamitaError {
    return new LlamitaError('E_BAD_FILE', `${this.source}:${this.record.line}: field "${path}" ${what}`, { line: this.record.line, field: path });
  }

  /** The value at a dotted path. */
  private at(path: string): unknown {
    let v: unknown = this.record.value;
    for (const key of path.split('.')) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[key] : undefined;
    return v;
  }

  /** A string field. */
  string(path: string): string {
    const v = this.at(path);
    if (v === undefined) throw this.bad(path, 'is missing');
    if (typeof v !== 'string') throw this.bad(path, `must be a string, got ${JSON.stringify(v)}`);
    return v;
  }

  /** A boolean field. */
  boolean(path: string): boolean {
    const v = this.at(path);
    if (v === undefined) throw this.bad(path, 'is missing');
    if (typeof v !== 'boolean') throw this.bad(path, `must be true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  /** An integer field in `[0, below)`. */
  index(path: string, below: number): number {
    const v = this.at(path);
    if (v === undefined) throw this.bad(path, 'is missing');
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= below) throw this.bad(path, `must be an integer in [0, ${below}), got ${JSON.stringify(v)}`);
    return v as number;
  }

  /** An array field whose entries `read` reads (given a Fields for `path.i`). */
  array<T>(path: string, read: (entry: unknown, i: number) => T): T[] {
    const v = this.at(path);
    if (v === undefined) throw this.bad(path, 'is missing');
    if (!Array.isArray(v) || v.length === 0) throw this.bad(path, 'must be a non-empty array');
    return v.map((entry, i) => {
      try {
        return read(entry, i);
      } catch (e) {
        throw this.bad(`${path}.${i}`, (e as Error).message);
      }
    });
  }
}
