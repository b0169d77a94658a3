import { LlamitaError } from '@llamita/core';

const PAGE = 65536;
/** wasm32 addresses 4 GiB; the last page stays unused so every offset fits an i32 comparison. */
export const MAX_PAGES = 65535;
/** Every region starts at a multiple of this (SIMD loads, f64 views). */
const ALIGN = 16;

/** A free stretch of memory. */
interface Hole {
  offset: number;
  bytes: number;
}

/**
 * The regions of one `WebAssembly.Memory`: first fit over the holes that freed
 * regions leave (neighbours merged), else the memory grows. A wasm memory
 * never shrinks, so what matters is that freed space is used again: a model
 * moved away and back takes the same memory, not twice as much.
 */
export class WasmArena {
  private top: number;
  private live = 0;
  /** Holes below `top`, by offset. */
  private holes: Hole[] = [];

  constructor(
    private readonly memory: WebAssembly.Memory,
    /** Bytes below this belong to the AssemblyScript runtime's static data. */
    start: number,
  ) {
    this.top = start;
  }

  /** The highest address ever used. */
  get highWater(): number {
    return this.top;
  }

  /** Bytes in regions not yet freed. */
  get liveBytes(): number {
    return this.live;
  }

  /**
   * A region of at least `bytes` (16-byte aligned), zero-filled.
   * @throws LlamitaError `E_OUT_OF_MEMORY` past wasm32's 4 GiB.
   */
  take(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    const i = this.holes.findIndex((h) => h.bytes >= size);
    this.live += size;
    if (i >= 0) {
      const hole = this.holes[i]!;
      const offset = hole.offset;
      if (hole.bytes === size) this.holes.splice(i, 1);
      else [hole.offset, hole.bytes] = [hole.offset + size, hole.bytes - size];
      new Uint8Array(this.memory.buffer, offset, size).fill(0);
      return offset;
    }
    const offset = Math.ceil(this.top / ALIGN) * ALIGN;
    const end = offset + size;
    if (end > MAX_PAGES * PAGE) {
      this.live -= size;
      throw new LlamitaError('E_OUT_OF_MEMORY', `wasm memory is limited to 4 GiB: ${end} bytes would be needed`, { bytes: end });
    }
    const pages = Math.ceil(end / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (pages > 0) this.memory.grow(pages);
    this.top = end;
    return offset;
  }

  /** Returns a region taken with `bytes` to the holes, merging it with its neighbours. */
  give(offset: number, bytes: number): void {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    this.live -= size;
    const at = this.holes.findIndex((h) => h.offset > offset);
    const index = at < 0 ? this.holes.length : at;
    this.holes.splice(index, 0, { offset, bytes: size });
    // merge with the next, then with the previous hole
    const merge = (i: number) => {
      const [a, b] = [this.holes[i], this.holes[i + 1]];
      if (a && b && a.offset + a.bytes === b.offset) {
        a.bytes += b.bytes;
        this.holes.splice(i + 1, 1);
      }
    };
    merge(index);
    if (index > 0) merge(index - 1);
    // a hole that reaches the top lowers it
    const last = this.holes.at(-1);
    if (last && last.offset + last.bytes >= this.top) {
      this.top = last.offset;
      this.holes.pop();
    }
  }
}
