import { describe, expect, it } from 'vitest';
import { WasmArena } from './arena.js';

describe('the wasm memory arena', () => {
  it('uses freed regions again (first fit, neighbours merged) and lowers its top when the last one goes', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 100 });
    const arena = new WasmArena(memory, 64);
    const [a, b, c] = [arena.take(100), arena.take(200), arena.take(50)];
    expect([a, b, c]).toEqual([64, 176, 384]);
    new Uint8Array(memory.buffer, b, 200).fill(7);
    arena.give(a, 100);
    arena.give(b, 200);
    // a and b merged into one hole of 320 bytes: a region of 300 fits there, zero-filled
    const d = arena.take(300);
    expect(d).toBe(64);
    expect(new Uint8Array(memory.buffer, d, 300).every((v) => v === 0)).toBe(true);
    expect(arena.liveBytes).toBe(304 + 64);
    arena.give(c, 50);
    arena.give(d, 300);
    expect(arena.liveBytes).toBe(0);
    expect(arena.highWater).toBe(64);
  });

  it('grows the memory for a region that fits no hole, and refuses one past 4 GiB', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 100 });
    const arena = new WasmArena(memory, 0);
    arena.take(3 * 65536);
    expect(memory.buffer.byteLength).toBe(3 * 65536);
    expect(() => arena.take(2 ** 32)).toThrow(expect.objectContaining({ code: 'E_OUT_OF_MEMORY' }));
    expect(arena.liveBytes).toBe(3 * 65536);
  });
});
