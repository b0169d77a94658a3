import { describe, expect, it } from 'vitest';
import { byteSize, DTYPE_INFO } from './dtype.js';
import { LlamitaError } from './errors.js';
import { reshape, sliceRows, tensorOn, type BufferHandle } from './tensor.js';
import { validateOp } from './validate.js';

const buffer = (byteLength: number): BufferHandle => ({ backend: 'test', id: 1, byteLength });

describe('dtypes', () => {
  it("block geometry follows ggml's (e.g. q4_k: 256 elements in 144 bytes)", () => {
    expect(DTYPE_INFO.q4_k).toEqual({ blockSize: 256, blockBytes: 144, quantized: true });
    expect(byteSize('q4_0', [3, 64])).toBe(3 * 2 * 18);
    expect(byteSize('f16', [5])).toBe(10);
  });
  it('rejects rows that are not whole blocks', () => {
    expect(() => byteSize('q8_0', [2, 33])).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
  });
});

describe('tensors and views', () => {
  it('slices rows and reshapes without touching the buffer', () => {
    const t = tensorOn(buffer(4 * 12), 'f32', [4, 3]);
    const rows = sliceRows(t, 1, 2);
    expect(rows).toMatchObject({ shape: [2, 3], byteOffset: 12 });
    expect(reshape(rows, [6]).shape).toEqual([6]);
  });
  it('refuses views outside the buffer or of another size', () => {
    expect(() => tensorOn(buffer(8), 'f32', [3])).toThrow(expect.objectContaining({ code: 'E_OUT_OF_BOUNDS' }));
    expect(() => sliceRows(tensorOn(buffer(48), 'f32', [4, 3]), 3, 2)).toThrow(expect.objectContaining({ code: 'E_OUT_OF_BOUNDS' }));
    expect(() => reshape(tensorOn(buffer(48), 'f32', [4, 3]), [5])).toThrow(expect.objectContaining({ code: 'E_SHAPE' }));
  });
});

describe('LlamitaError', () => {
  it('survives a structured clone (a worker boundary) with its code and details', () => {
    const e = new LlamitaError('E_CONTEXT_FULL', 'context is full', { contextSize: 8 });
    const copy = structuredClone(e.toJSON());
    expect(LlamitaError.is(copy)).toBe(true);
    const back = LlamitaError.fromJSON(copy);
    expect(back).toBeInstanceOf(LlamitaError);
    expect(back).toMatchObject({ code: 'E_CONTEXT_FULL', message: 'context is full', details: { contextSize: 8 } });
  });
});

describe('validateOp', () => {
  const f32 = (shape: number[]) => tensorOn(buffer(1 << 16), 'f32', shape);
  it('names the op and the operand in shape errors', () => {
    expect(() => validateOp({ op: 'matmul', x: f32([2, 5]), w: f32([3, 4]), out: f32([2, 3]) })).toThrow(/matmul: x f32\[2, 5\] and w f32\[3, 4\] disagree on k/);
    expect(() => validateOp({ op: 'argmax', x: f32([2, 5]), out: f32([2]) })).toThrow(expect.objectContaining({ code: 'E_DTYPE' }));
  });
  it('accepts a well-formed grouped-query attention', () => {
    const pos = tensorOn(buffer(64), 'i32', [3]);
    expect(() => validateOp({ op: 'attention', q: f32([3, 8, 16]), k: f32([10, 2, 16]), v: f32([10, 2, 16]), positions: pos, scale: 0.25, out: f32([3, 128]) })).not.toThrow();
    expect(() => validateOp({ op: 'attention', q: f32([3, 6, 16]), k: f32([10, 4, 16]), v: f32([10, 4, 16]), positions: pos, scale: 0.25, out: f32([3, 96]) })).toThrow(/multiple of kv heads/);
  });
});
