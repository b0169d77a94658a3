import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { allocateTensor, asF32, type Backend, type BufferUsage, type DType, type Op, type Tensor } from '@llamita/core';
import { JsBackend } from '@llamita/backend-js';
import { Prng } from '@llamita/sampling';
import { f32ToF16 } from '@llamita/tensor';
import { randomF32, randomWeight } from '@llamita/testkit';
import { WasmBackend } from './backend.js';
import { detectWasmFeatures } from './features.js';
import { chunkOf, takeChunks } from './thread-pool.js';

// Node 20 has relaxed SIMD behind this flag (what the CLI sets too); both kernel builds are tested
setFlagsFromString('--experimental-wasm-relaxed-simd');

function put(backend: Backend, dtype: DType, shape: number[], data?: ArrayBufferView, usage: BufferUsage = 'activations'): Tensor {
  const t = allocateTensor(backend, usage, dtype, shape);
  if (data) backend.write(t.buffer, 0, data);
  return t;
}

/** Runs `build`'s op on a backend and returns its f32 output. */
async function runOn(backend: Backend, build: (b: Backend) => { op: Op; out: Tensor }): Promise<Float32Array> {
  const { op, out } = build(backend);
  backend.run([op]);
  return asF32(await backend.read(out));
}

describe('chunks of a task', () => {
  it('are multiples of 4 (the matmul tiles), about four per thread', () => {
    for (const [n, threads, chunk] of [
      [5632, 2, 704],
      [256, 3, 24],
      [7, 4, 4],
      [1, 8, 4],
      [32000, 16, 500],
    ] as const)
      expect(chunkOf(n, threads)).toBe(chunk);
    expect(chunkOf(4, 2, 1)).toBe(1);
  });

  it('cover every row of [0, n) once, in ranges taken from the shared counter', () => {
    for (const [n, threads] of [
      [5632, 2],
      [256, 3],
      [7, 4],
      [1, 8],
      [1030, 3],
    ] as const) {
      const control = new Int32Array(new SharedArrayBuffer(16));
      const seen = new Uint8Array(n);
      const chunk = chunkOf(n, threads);
      takeChunks(
        control,
        (j0, j1) => {
          expect(j1 - j0).toBeLessThanOrEqual(chunk);
          for (let j = j0; j < j1; j++) seen[j]!++;
        },
        [],
        n,
        chunk,
        0,
      );
      expect(seen.every((v) => v === 1)).toBe(true);
    }
  });
});

describe('wasm backend threads', () => {
  const rng = new Prng(7);
  // m = 7: one group of four activation rows and three left over (the Q4 kernels treat them apart); n = 1030: two weight rows past the last group of four
  const [m, k, n] = [7, 512, 1030];
  const x = randomF32(rng, m * k);
  const weights = Object.fromEntries(
    (['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'q2_k', 'q3_k', 'q4_k', 'q5_k', 'q6_k'] as const).map((d) => [d, randomWeight(rng, d, n, k).bytes]),
  );

  it('has relaxed SIMD to test once the flag is set', () => {
    expect(detectWasmFeatures().relaxedSimd).toBe(true);
  });

  it.each(Object.keys(weights))('gives identical %s products with relaxed and plain SIMD kernels', async (dtype) => {
    const matmul = (b: Backend) => {
      const out = put(b, 'f32', [m, n]);
      return { op: { op: 'matmul', x: put(b, 'f32', [m, k], x), w: put(b, dtype as DType, [n, k], weights[dtype], 'weights'), out } satisfies Op, out };
    };
    const relaxed = await WasmBackend.create({ threads: 1, relaxedSimd: true });
    const plain = await WasmBackend.create({ threads: 1, relaxedSimd: false });
    expect(relaxed.info.description).toMatch(/relaxed SIMD;/);
    expect(await runOn(relaxed, matmul)).toEqual(await runOn(plain, matmul));
    relaxed.dispose();
    plain.dispose();
  });

  it.each(Object.keys(weights))('splits a %s matmul across 1, 2 and 3 threads with identical results', async (dtype) => {
    const matmul = (b: Backend) => {
      const out = put(b, 'f32', [m, n]);
      return { op: { op: 'matmul', x: put(b, 'f32', [m, k], x), w: put(b, dtype as DType, [n, k], weights[dtype], 'weights'), out } satisfies Op, out };
    };
    const results: Float32Array[] = [];
    for (const threads of [1, 2, 3]) {
      const backend = await WasmBackend.create({ threads });
      expect(backend.threads).toBe(threads);
      results.push(await runOn(backend, matmul));
      backend.dispose();
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    // and the same products as the reference kernels, up to f32 summation order
    const reference = await runOn(new JsBackend(), matmul);
    const scale = Math.max(...reference.map(Math.abs));
    for (let i = 0; i < reference.length; i++) expect(Math.abs(results[0]![i]! - reference[i]!)).toBeLessThan(1e-4 * scale);
  });

  it('runs attention over an f16 cache by KV head on threads, as the reference kernel rounds it', async () => {
    const [mq, nHead, nKv, hd, ctx] = [3, 8, 2, 64, 200];
    const q = randomF32(rng, mq * nHead * hd, 2);
    const kv = (count: number) => Uint16Array.from(randomF32(rng, count, 3), (v) => f32ToF16(v));
    const [kc, vc] = [kv(ctx * nKv * hd), kv(ctx * nKv * hd)];
    const attention = (b: Backend) => {
      const out = put(b, 'f32', [mq, nHead * hd]);
      const op: Op = {
        op: 'attention',
        q: put(b, 'f32', [mq, nHead, hd], q),
        k: put(b, 'f16', [ctx, nKv, hd], kc),
        v: put(b, 'f16', [ctx, nKv, hd], vc),
        positions: put(b, 'i32', [mq], Int32Array.of(100, 150, 199)),
        scale: 1 / 8,
        out,
      };
      return { op, out };
    };
    const reference = await runOn(new JsBackend(), attention);
    for (const threads of [1, 3]) {
      const backend = await WasmBackend.create({ threads });
      const got = await runOn(backend, attention);
      backend.dispose();
      // the accumulator is f16: the two may differ by one f16 step where an f32 sum rounded the other way
      for (let i = 0; i < reference.length; i++) expect(Math.abs(got[i]! - reference[i]!)).toBeLessThanOrEqual(2 ** -9 * Math.max(1, Math.abs(reference[i]!)));
    }
  });

  it.each(['swiglu', 'add', 'rms_norm'] as const)('splits %s across threads with the results of one thread, close to the reference', async (name) => {
    const [rows, cols] = [37, 5631];
    const a = randomF32(rng, rows * cols, 6);
    const b = randomF32(rng, rows * cols, 2);
    const weight = randomF32(rng, cols);
    const build = (be: Backend) => {
      const out = put(be, 'f32', [rows, cols]);
      const x = put(be, 'f32', [rows, cols], a);
      const y = put(be, 'f32', [rows, cols], b);
      const op: Op =
        name === 'swiglu' ? { op: 'swiglu', gate: x, up: y, out } : name === 'add' ? { op: 'add', a: x, b: y, out } : { op: 'rms_norm', x, weight: put(be, 'f32', [cols], weight), eps: 1e-5, out };
      return { op, out };
    };
    const results: Float32Array[] = [];
    for (const threads of [1, 3]) {
      const backend = await WasmBackend.create({ threads });
      results.push(await runOn(backend, build));
      backend.dispose();
    }
    expect(results[1]).toEqual(results[0]);
    const reference = await runOn(new JsBackend(), build);
    for (let i = 0; i < reference.length; i++) expect(Math.abs(results[0]![i]! - reference[i]!)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(reference[i]!)));
  });

  it.each(['adjacent', 'half'] as const)('rotates %s pairs (RoPE) on threads as the reference kernel does', async (mode) => {
    const [m, heads, hd] = [40, 8, 64];
    const x = randomF32(rng, m * heads * hd, 3);
    const build = (b: Backend) => {
      const out = put(b, 'f32', [m, heads, hd]);
      const op: Op = {
        op: 'rope',
        x: put(b, 'f32', [m, heads, hd], x),
        positions: put(
          b,
          'i32',
          [m],
          Int32Array.from({ length: m }, (_, i) => 3 * i + 1),
        ),
        theta: 10000,
        mode,
        out,
      };
      return { op, out };
    };
    const reference = await runOn(new JsBackend(), build);
    for (const threads of [1, 3]) {
      const backend = await WasmBackend.create({ threads });
      const got = await runOn(backend, build);
      backend.dispose();
      for (let i = 0; i < reference.length; i++) expect(Math.abs(got[i]! - reference[i]!)).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(reference[i]!)));
    }
  });

  it('keeps RoPE right when its tables make an unshared memory grow (views are detached then)', async () => {
    const [m, heads, hd] = [64, 4, 64];
    const x = randomF32(rng, m * heads * hd, 3);
    const build = (b: Backend) => {
      const out = put(b, 'f32', [m, heads, hd]);
      const op: Op = {
        op: 'rope',
        x: put(b, 'f32', [m, heads, hd], x),
        positions: put(
          b,
          'i32',
          [m],
          Int32Array.from({ length: m }, (_, i) => i),
        ),
        theta: 10000,
        mode: 'adjacent',
        out,
      };
      return { op, out };
    };
    const backend = await WasmBackend.create({ threads: 1 });
    // fill the memory up to its current end, so the RoPE tables must grow it
    const memory = (backend as unknown as { memory: WebAssembly.Memory }).memory;
    const { op, out } = build(backend);
    backend.allocate({ byteLength: memory.buffer.byteLength - backend.memoryBytes - 64, usage: 'activations' });
    const pages = memory.buffer.byteLength;
    backend.run([op]);
    expect(memory.buffer.byteLength).toBeGreaterThan(pages);
    const got = asF32(await backend.read(out));
    const reference = await runOn(new JsBackend(), build);
    for (let i = 0; i < reference.length; i++) expect(Math.abs(got[i]! - reference[i]!)).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(reference[i]!)));
    backend.dispose();
  });

  it('refuses thread counts outside 1..64', async () => {
    await expect(WasmBackend.create({ threads: 0 })).rejects.toThrow(/threads must be an integer from 1 to 64/);
    await expect(WasmBackend.create({ threads: 65 })).rejects.toThrow(/threads must be an integer from 1 to 64/);
  });

  it('says in its info how many threads it runs', async () => {
    const backend = await WasmBackend.create({ threads: 2 });
    expect(backend.info.description).toMatch(/2 threads/);
    backend.dispose();
    const single = await WasmBackend.create({ threads: 1 });
    expect(single.info.description).toMatch(/single thread/);
    single.dispose();
  });
});

describe('wasm Q4_0 and Q4_K kernels over row tiles', () => {
  // 38 rows: a tile of 32, then 6 (one group of four and two rows past it, which llama.cpp's Q4_K kernels round apart);
  // 40 weight rows: llama.cpp repacks (and so orders the sums as these kernels do) when they come in groups of eight
  const [m, k, n] = [38, 512, 40];
  const rng = new Prng(23);
  const x = randomF32(rng, m * k);

  it.each(['q4_0', 'q4_k'] as const)('give each %s row what a call with its own tile alone gives, and the reference kernels give, bit for bit', async (dtype) => {
    const w = randomWeight(rng, dtype, n, k).bytes;
    const rowsOf = (from: number, to: number) => (b: Backend) => {
      const out = put(b, 'f32', [to - from, n]);
      return { op: { op: 'matmul', x: put(b, 'f32', [to - from, k], x.subarray(from * k, to * k)), w: put(b, dtype, [n, k], w, 'weights'), out } satisfies Op, out };
    };
    const backend = await WasmBackend.create({ threads: 2 });
    const whole = await runOn(backend, rowsOf(0, m));
    const tiles = [...(await runOn(backend, rowsOf(0, 32))), ...(await runOn(backend, rowsOf(32, m)))];
    backend.dispose();
    expect(whole).toEqual(Float32Array.from(tiles));
    // and exactly the reference kernels' products (which follow llama.cpp's repacked kernels here)
    expect(whole).toEqual(await runOn(new JsBackend(), rowsOf(0, m)));
  });
});
