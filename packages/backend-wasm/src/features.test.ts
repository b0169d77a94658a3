import { describe, expect, it } from 'vitest';
import { detectWasmFeatures } from './features.js';
import { wasmBackend } from './factory.js';

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

  it('probe never throws and says why it cannot run; create fails with a typed error', async () => {
    const probe = await wasmBackend.probe();
    expect(probe.ok).toBe(false);
    expect(probe.ok ? '' : probe.reason).toMatch(/kernels not built yet/);
    await expect(wasmBackend.create()).rejects.toMatchObject({ code: 'E_BACKEND_UNAVAILABLE' });
  });
});
