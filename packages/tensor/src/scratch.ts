/** A typed-array type whose constructor takes a length. */
export type Growable = Float32Array | Float64Array | Int8Array | Int32Array | Uint8Array;

/**
 * A grow-only typed array lent to a kernel for the length of one call, so hot
 * loops do not allocate temporaries per row or per op (allocation churn that
 * makes V8 grow its young generation, and resident memory with it). Not
 * re-entrant: a kernel must not call another kernel that takes the same scratch
 * while it still uses its view.
 */
export class Scratch<T extends Growable> {
  private data: T;

  /** @param make - makes a zeroed array of a given length (e.g. `(n) => new Float32Array(n)`) */
  constructor(private readonly make: (length: number) => T) {
    this.data = make(0);
  }

  /** A view of `length` elements; its contents are whatever the last user left. */
  take(length: number): T {
    if (this.data.length < length) this.data = this.make(Math.max(length, 2 * this.data.length));
    return this.data.subarray(0, length) as T;
  }
}
