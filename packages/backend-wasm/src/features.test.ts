import { describe, expect, it } from 'vitest';
import { detectWasmFeatures } from './features.js';

describe('wasm feature detection', () => {
  it('finds SIMD and threads on Node 20 (V8 has both)', () => {
    const f = detectWasmFeatures();
    expect(f).toMatchObject({ wasm: true, simd: true, threads: true });
    expect(typeof f.relaxedSimd).toBe('boolean');
  });

  it('reports no SIMD when WebAssembly rejects the module, without throwing', () => {
    const original = WebAssembly.validate;
    WebAssembly.validate = () => false;
    try {
      expect(detectWasmFeatures().simd).toBe(false);
    } finally {
      WebAssembly.validate = original;
    }
  });
});
