import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { Prng } from '@llamita/sampling';
import { quantizeRowQ8_0, quantizeRowQ8K } from '@llamita/tensor';
import { randomF32 } from '@llamita/testkit';
import { instantiateKernels, kernelModule } from './kernels-module.js';

setFlagsFromString('--experimental-wasm-relaxed-simd');

/** Rows with the awkward cases: an all-zero block, ties of magnitude with both signs, exact halves after scaling, tiny and huge values, a NaN. */
function awkwardRows(m: number, k: number): Float32Array {
  const rng = new Prng(11);
  const x = randomF32(rng, m * k, 3);
  x.fill(0, 0, 256);
  x[300] = 2.5;
  x[301] = -2.5;
  for (let i = 512; i < 768; i++) x[i] = ((i % 9) - 4) * 0.5;
  for (let i = 768; i < 1024; i++) x[i] = (i % 2 ? 1 : -1) * 1e-30;
  x[1100] = 6e4;
  // a NaN (a broken model's activations): the quantizers must neither hang nor read past the block
  x[2000] = NaN;
  return x;
}

describe.each([false, true])('wasm activation quantization (relaxed SIMD build: %s)', (relaxed) => {
  it.each([
    ['Q8_0', 32, 32, false],
    ['Q8_K', 256, 16, false],
    ['Q8_0', 32, 32, true],
    ['Q8_K', 256, 16, true],
  ] as const)('%s quants, scales and sums equal the reference bit for bit (block-major: %s)', async (type, block, group, blockMajor) => {
    const [m, k] = [3, 1536];
    const memory = new WebAssembly.Memory({ initial: 8 });
    const kernels = await instantiateKernels(await kernelModule('single', relaxed), memory);
    const x = awkwardRows(m, k);
    const [xAt, qsAt, dsAt, sumsAt] = [65536, 65536 + m * k * 4, 65536 + m * k * 5, 65536 + m * k * 6];
    new Float32Array(memory.buffer, xAt, m * k).set(x);
    (type === 'Q8_0' ? kernels.quantizeQ8_0 : kernels.quantizeQ8K)(xAt, m, k, qsAt, dsAt, sumsAt, blockMajor ? 1 : 0, 0, m);
    const qs = new Int8Array(m * k);
    const ds = new Float32Array((m * k) / block);
    for (let i = 0; i < m; i++)
      (type === 'Q8_0' ? quantizeRowQ8_0 : quantizeRowQ8K)(x.subarray(i * k, (i + 1) * k), qs.subarray(i * k, (i + 1) * k), ds.subarray((i * k) / block, ((i + 1) * k) / block));
    const sums = Int32Array.from({ length: (m * k) / group }, (_, g) => qs.subarray(g * group, (g + 1) * group).reduce((a, b) => a + b, 0));
    // block-major: block b of row i is unit b · m + i (the reference's unit i · blocks + b)
    const blocks = k / block;
    const unit = (u: number) => (blockMajor ? (u % blocks) * m + Math.floor(u / blocks) : u);
    const reorder = <T extends Int8Array | Float32Array | Int32Array>(a: T, per: number): T => {
      const r = a.slice() as T;
      for (let u = 0; u < m * blocks; u++) r.set(a.subarray(u * per, (u + 1) * per), unit(u) * per);
      return r;
    };
    expect(new Int8Array(memory.buffer, qsAt, m * k)).toEqual(reorder(qs, block));
    expect(new Float32Array(memory.buffer, dsAt, ds.length)).toEqual(reorder(ds, 1));
    expect(new Int32Array(memory.buffer, sumsAt, sums.length)).toEqual(reorder(sums, block / group));
  });
});
