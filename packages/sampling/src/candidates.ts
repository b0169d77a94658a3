/**
 * The working set of a sampler chain: candidate token ids with their logits
 * (and, once computed, probabilities). Samplers narrow it in place; `size` is
 * how many entries are live. Sorted by descending logit when `sorted`.
 */
export class Candidates {
  /** Token ids, `[size]` live. */
  ids: Int32Array;
  /** Logits of those ids. */
  logits: Float32Array;
  /** Probabilities after {@link Candidates.softmax} (same order). */
  probs: Float64Array;
  /** Live entries. */
  size: number;
  /** Whether entries are in descending logit order. */
  sorted = false;

  /** Wraps a full logits row (vocabulary order). The row is copied. */
  constructor(logits: Float32Array) {
    this.size = logits.length;
    this.ids = identity(logits.length).slice();
    this.logits = logits.slice();
    this.probs = new Float64Array(0);
  }

  /**
   * Index of token `id` among the live entries, or -1. While the set is still
   * the whole vocabulary in order (before any narrowing or sorting) this is `id` itself.
   */
  indexOf(id: number): number {
    if (this.ids[id] === id && id < this.size) return id;
    for (let i = 0; i < this.size; i++) if (this.ids[i] === id) return i;
    return -1;
  }

  /** Sorts the live entries by descending logit (ties: lower id first). */
  sort(): void {
    if (this.sorted) return;
    const order = Array.from({ length: this.size }, (_, i) => i).sort((a, b) => this.logits[b]! - this.logits[a]! || this.ids[a]! - this.ids[b]!);
    this.ids = Int32Array.from(order, (i) => this.ids[i]!);
    this.logits = Float32Array.from(order, (i) => this.logits[i]!);
    this.sorted = true;
  }

  /** Keeps the `k` largest logits, found by partial selection (no full sort), then sorts those. */
  keepTop(k: number): void {
    if (k >= this.size) return;
    if (!this.sorted) {
      // quickselect the k-th largest logit, then gather entries above it
      const values = this.logits.slice(0, this.size);
      const threshold = kthLargest(values, k);
      const ids: number[] = [];
      const logits: number[] = [];
      const take = (i: number) => {
        ids.push(this.ids[i]!);
        logits.push(this.logits[i]!);
      };
      // everything above the threshold, then ties at it (lowest index first) up to k
      for (let i = 0; i < this.size && ids.length < k; i++) if (this.logits[i]! > threshold) take(i);
      for (let i = 0; i < this.size && ids.length < k; i++) if (this.logits[i]! === threshold) take(i);
      this.ids = Int32Array.from(ids);
      this.logits = Float32Array.from(logits);
      this.size = k;
      this.sort();
      return;
    }
    this.size = k;
  }

  /** Fills `probs` with the softmax of the live logits. */
  softmax(): void {
    if (this.probs.length < this.size) this.probs = new Float64Array(this.size);
    let max = -Infinity;
    for (let i = 0; i < this.size; i++) max = Math.max(max, this.logits[i]!);
    let sum = 0;
    for (let i = 0; i < this.size; i++) {
      const e = Math.exp(this.logits[i]! - max);
      this.probs[i] = e;
      sum += e;
    }
    for (let i = 0; i < this.size; i++) this.probs[i] = this.probs[i]! / sum;
  }

  /** Keeps the live entries for which `keep(index)` is true, in order. */
  filter(keep: (index: number) => boolean): void {
    let n = 0;
    for (let i = 0; i < this.size; i++) {
      if (!keep(i)) continue;
      this.ids[n] = this.ids[i]!;
      this.logits[n] = this.logits[i]!;
      this.probs[n] = this.probs[i]!;
      n++;
    }
    this.size = n;
  }
}

const identities = new Map<number, Int32Array>();

/** 0, 1, ..., n-1, built once per vocabulary size. */
function identity(n: number): Int32Array {
  let ids = identities.get(n);
  if (!ids) {
    ids = new Int32Array(n);
    for (let i = 0; i < n; i++) ids[i] = i;
    identities.set(n, ids);
  }
  return ids;
}

/** The k-th largest value (1-based) by quickselect, O(n) on average; reorders `values`. */
function kthLargest(values: Float32Array, k: number): number {
  let lo = 0;
  let hi = values.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! > pivot) i++;
      while (values[j]! < pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i] = values[j]!;
        values[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return values[target]!;
}
