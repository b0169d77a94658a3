/** One popped entry of a {@link MergeQueue}. */
export interface QueuedMerge {
  readonly left: number;
  readonly right: number;
  readonly leftId: number;
  readonly rightId: number;
}

/**
 * A binary max-heap of candidate merges in flat typed arrays (no object per
 * candidate): highest priority first, then the leftmost position, as
 * SentencePiece and llama.cpp order them.
 */
export class MergeQueue {
  private priority = new Float64Array(64);
  private fields = new Int32Array(64 * 4); // left, right, leftId, rightId
  size = 0;

  private before(a: number, b: number): boolean {
    const pa = this.priority[a]!;
    const pb = this.priority[b]!;
    return pa > pb || (pa === pb && this.fields[a * 4]! < this.fields[b * 4]!);
  }

  private swap(a: number, b: number): void {
    const p = this.priority[a]!;
    this.priority[a] = this.priority[b]!;
    this.priority[b] = p;
    for (let k = 0; k < 4; k++) {
      const f = this.fields[a * 4 + k]!;
      this.fields[a * 4 + k] = this.fields[b * 4 + k]!;
      this.fields[b * 4 + k] = f;
    }
  }

  /** Adds a candidate merge of the symbols at `left` and `right`. */
  push(priority: number, left: number, right: number, leftId: number, rightId: number): void {
    if (this.size === this.priority.length) {
      const p = new Float64Array(this.size * 2);
      p.set(this.priority);
      this.priority = p;
      const f = new Int32Array(this.size * 8);
      f.set(this.fields);
      this.fields = f;
    }
    let i = this.size++;
    this.priority[i] = priority;
    const f = this.fields;
    f[i * 4] = left;
    f[i * 4 + 1] = right;
    f[i * 4 + 2] = leftId;
    f[i * 4 + 3] = rightId;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes and returns the best candidate. Call only when size > 0. */
  pop(): QueuedMerge {
    const f = this.fields;
    const top = { left: f[0]!, right: f[1]!, leftId: f[2]!, rightId: f[3]! };
    const last = --this.size;
    if (last > 0) {
      this.swap(0, last);
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < last && this.before(l, best)) best = l;
        if (r < last && this.before(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return top;
  }
}
