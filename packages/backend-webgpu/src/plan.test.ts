import { describe, expect, it } from 'vitest';
import { plannedTensor, type Op } from '@llamita/core';
import { checkDecodeShape, checkTiledShape, matmulGroupFits, tiledShapeFor, weightPieces } from './plan.js';

type MatmulOp = Extract<Op, { op: 'matmul' }>;
const matmul = (m: number, k: number, n: number, dtype: MatmulOp['w']['dtype'] = 'q4_0'): MatmulOp => ({
  op: 'matmul',
  x: plannedTensor('f32', [m, k]),
  w: plannedTensor(dtype, [n, k]),
  out: plannedTensor('f32', [m, n]),
});

describe('tiledShapeFor', () => {
  it("takes the largest prefill tile the device's workgroup memory holds, and the smallest on WebGPU's guaranteed 16 KiB", () => {
    expect(tiledShapeFor(16_384)).toEqual({ mt: 32, nt: 64, rm: 2, rn: 4 });
    expect(tiledShapeFor(20_000)).toEqual({ mt: 64, nt: 64, rm: 4, rn: 4 });
    expect(tiledShapeFor(49_152)).toEqual({ mt: 64, nt: 128, rm: 4, rn: 8 });
  });

  it('keeps a narrow tile (unquantized weights, the integer dot) at 64 outputs at most', () => {
    expect(tiledShapeFor(49_152, true)).toEqual({ mt: 64, nt: 64, rm: 4, rn: 4 });
    expect(tiledShapeFor(16_384, true)).toEqual({ mt: 32, nt: 64, rm: 2, rn: 4 });
  });
});

describe('checkDecodeShape', () => {
  it('takes powers of two up to 256 threads and an unroll of 1 to 8, and says why it refuses another', () => {
    expect(checkDecodeShape({ threads: 8, rows: 32, unroll: 2 })).toEqual({ threads: 8, rows: 32, unroll: 2 });
    expect(() => checkDecodeShape({ threads: 12, rows: 16, unroll: 4 })).toThrow(/decode shape 12x16\/4: threads and rows must be powers of two/);
    expect(() => checkDecodeShape({ threads: 32, rows: 16, unroll: 4 })).toThrow(/threads \* rows at most 256/);
    expect(() => checkDecodeShape({ threads: 16, rows: 16, unroll: 0 })).toThrow(/unroll must be 1 to 8/);
  });
});

describe('checkTiledShape', () => {
  it('takes a tile of 256 threads that fits, and says why it refuses another', () => {
    expect(checkTiledShape({ mt: 64, nt: 64, rm: 4, rn: 4 }, 49_152)).toEqual({ mt: 64, nt: 64, rm: 4, rn: 4 });
    expect(() => checkTiledShape({ mt: 64, nt: 64, rm: 2, rn: 4 }, 49_152)).toThrow(/must be 256 threads, not 512/);
    expect(() => checkTiledShape({ mt: 64, nt: 60, rm: 4, rn: 8 }, 49_152)).toThrow(/rm and rn must divide/);
    expect(() => checkTiledShape({ mt: 64, nt: 128, rm: 4, rn: 8 }, 16_384)).toThrow(/needs 25856 bytes of workgroup memory, the device has 16384/);
  });
});

describe('matmulGroupFits', () => {
  it('groups up to three decode matmuls of one weight type and row length, as the storage bindings allow', () => {
    const qkv = [matmul(1, 2048, 2048), matmul(1, 2048, 256), matmul(1, 2048, 256)];
    expect(matmulGroupFits(qkv, 10)).toBe(true);
    // x, three weights and outputs, the norm's two: 9 bindings
    expect(matmulGroupFits(qkv, 8)).toBe(false);
    expect(matmulGroupFits([...qkv, matmul(1, 2048, 64)], 16)).toBe(false);
    expect(matmulGroupFits([matmul(1, 2048, 64), matmul(1, 2048, 64, 'q8_0')], 16)).toBe(false);
    expect(matmulGroupFits([matmul(1, 2048, 64), matmul(1, 1024, 64)], 16)).toBe(false);
  });

  it('leaves prefill batches to the tiled kernel', () => {
    expect(matmulGroupFits([matmul(31, 512, 64), matmul(31, 512, 64)], 10)).toBe(true);
    expect(matmulGroupFits([matmul(32, 512, 64), matmul(32, 512, 64)], 10)).toBe(false);
  });
});

describe('weightPieces', () => {
  it('keeps a weight that fits one binding whole, and cuts a larger one into row ranges that each fit, covering every row once', () => {
    // Llama 3.2 1B's F16 embedding table (128256 x 2048, 525 MB) against WebGPU's default 128 MiB binding
    expect(weightPieces('f16', 128256, 2048, 2 ** 31)).toEqual([{ first: 0, rows: 128256 }]);
    const pieces = weightPieces('f16', 128256, 2048, 128 * 2 ** 20);
    expect(pieces).toHaveLength(4);
    const rowBytes = 2048 * 2;
    let next = 0;
    for (const { first, rows } of pieces) {
      expect(first).toBe(next);
      // the binding also covers its start rounded down to the offset alignment, and a word past the end
      expect(rows * rowBytes + 256 + 8).toBeLessThanOrEqual(128 * 2 ** 20);
      next = first + rows;
    }
    expect(next).toBe(128256);
    expect(weightPieces('q4_0', 32000, 2048)).toEqual([{ first: 0, rows: 32000 }]);
  });

  it('refuses a weight whose one row exceeds the binding', () => {
    expect(() => weightPieces('f32', 4, 8192, 16_384)).toThrow(/one f32 row of 32768 bytes exceeds the storage binding limit of 16384 bytes/);
  });

  it('never groups a weight that must be split with its siblings', () => {
    const [q, k] = [matmul(1, 2048, 2048), matmul(1, 2048, 256)];
    expect(matmulGroupFits([q, k], 10)).toBe(true);
    expect(matmulGroupFits([q, k], 10, 1_000_000)).toBe(false);
  });
});
