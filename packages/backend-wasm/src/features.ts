/**
 * WebAssembly feature detection by validating tiny modules (no execution).
 * The bytes are the smallest modules that use each feature's instructions.
 */

// (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt))
const SIMD_MODULE = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11);

// (module (func (result v128) i32.const 1 i8x16.splat i32.const 2 i8x16.splat i8x16.relaxed_swizzle))
const RELAXED_SIMD_MODULE = Uint8Array.of(0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 65, 1, 253, 15, 65, 2, 253, 15, 253, 128, 2, 11);

/** What this runtime's WebAssembly can do. */
export interface WasmFeatures {
  /** WebAssembly itself. */
  readonly wasm: boolean;
  /** Fixed-width SIMD (v128). */
  readonly simd: boolean;
  /** Relaxed SIMD (e.g. relaxed dot products and FMA). */
  readonly relaxedSimd: boolean;
  /** Shared memory for worker threads (needs cross-origin isolation in browsers). */
  readonly threads: boolean;
}

function validates(bytes: Uint8Array): boolean {
  const source = bytes as Uint8Array<ArrayBuffer>;
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(source);
  } catch {
    return false;
  }
}

function sharedMemory(): boolean {
  try {
    if (typeof SharedArrayBuffer === 'undefined') return false;
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return memory.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/** Detects WebAssembly features. Never throws. */
export function detectWasmFeatures(): WasmFeatures {
  const wasm = typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function';
  return {
    wasm,
    simd: wasm && validates(SIMD_MODULE),
    relaxedSimd: wasm && validates(RELAXED_SIMD_MODULE),
    threads: wasm && sharedMemory(),
  };
}
