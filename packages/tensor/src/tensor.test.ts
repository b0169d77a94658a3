import { describe, expect, it } from 'vitest';
import { roundTripActivation, roundHalfEven } from './activation.js';
import { dequantizeToF32 } from './dequantize.js';
import { bf16ToF32, f16ToF32, f32ToBf16, f32ToF16 } from './half.js';
import { quantize } from './quantize.js';

describe('half precision', () => {
  it('converts IEEE binary16 values exactly, rounding to nearest even', () => {
    expect(f32ToF16(1)).toBe(0x3c00);
    expect(f32ToF16(-2)).toBe(0xc000);
    expect(f32ToF16(65504)).toBe(0x7bff);
    expect(f32ToF16(1e6)).toBe(0x7c00); // overflow to infinity
    expect(f32ToF16(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00); // tie: to even
    expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie: to even (up)
    expect(f16ToF32(0x3555)).toBeCloseTo(0.33325195, 7);
    expect(Number.isNaN(f16ToF32(0x7e00))).toBe(true);
  });
  it('converts bfloat16 with nearest-even rounding', () => {
    expect(f32ToBf16(1)).toBe(0x3f80);
    expect(bf16ToF32(0x4049)).toBeCloseTo(3.140625, 6);
    expect(f32ToBf16(1 + 2 ** -8)).toBe(0x3f80); // tie to even
  });
});

describe('quantizers', () => {
  const values = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 0.37) * (i % 7));
  it.each([
    ['q8_0', 1 / 127],
    ['q4_0', 1 / 7],
  ] as const)('%s round-trips within half a step of the block scale', (dtype, step) => {
    const decoded = dequantizeToF32(dtype, quantize(dtype, values), 0, values.length);
    for (let b = 0; b < values.length; b += 32) {
      const amax = Math.max(...values.subarray(b, b + 32).map(Math.abs));
      for (let i = b; i < b + 32; i++) expect(Math.abs(decoded[i]! - values[i]!)).toBeLessThanOrEqual(amax * step * 0.5 + 1e-3 * amax);
    }
  });
  it('q8_0 writes the scale as f16 amax/127 and the quants as integers (ggml layout)', () => {
    const bytes = quantize(
      'q8_0',
      Float32Array.from({ length: 32 }, (_, i) => i - 16),
    );
    expect(f16ToF32(bytes[0]! | (bytes[1]! << 8))).toBeCloseTo(16 / 127, 4);
    expect(new Int8Array(bytes.buffer, 2, 32)[0]).toBe(-127);
  });
});

describe('activation conversion (as llama.cpp before its dot products)', () => {
  it('rounds ties to even', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2]);
  });
  it('q8_k maps the signed extreme to -127 steps of d', () => {
    const row = Float32Array.from({ length: 256 }, (_, i) => (i === 3 ? -4 : Math.cos(i)));
    roundTripActivation(row, 'q8_k');
    expect(row[3]).toBeCloseTo(-4, 5);
  });
  it('f16 conversion is idempotent', () => {
    const row = Float32Array.from({ length: 32 }, (_, i) => Math.sqrt(i + 0.1));
    roundTripActivation(row, 'f16');
    const again = row.slice();
    roundTripActivation(again, 'f16');
    expect(again).toEqual(row);
  });
});
