import { describe, expect, it } from 'vitest';
import {
  DTYPE_INFO,
  WEIGHT_DTYPES,
  allocateTensor,
  asF32,
  asI32,
  plannedTensor,
  reshape,
  type Backend,
  type BackendFactory,
  type BufferUsage,
  type DType,
  type Op,
  type OpName,
  type Tensor,
} from '@llamita/core';
import { Prng, SamplerChain } from '@llamita/sampling';
import { activationTypeFor, f16ToF32, f32ToF16, roundTripActivation } from '@llamita/tensor';
import { compare, F16_ACCUMULATION_TOLERANCE, F32_TOLERANCE, type Tolerance } from './compare.js';
import { randomF32, randomWeight } from './random.js';
import { refAttention, refMatmul, refRmsNorm, refRope, refSwiglu } from './reference.js';

/** Options of {@link describeConformance}. */
export interface ConformanceOptions {
  /** Tolerance for f32 results (default {@link F32_TOLERANCE}). */
  readonly tolerance?: Tolerance;
  /** Seed for every random input (default 1234). */
  readonly seed?: number;
  /** Told apart in the suite's title, for a backend run in more than one configuration. */
  readonly variant?: string;
}

/** A tiny harness bound to one backend: put inputs, run one op, read f32 output. */
class Harness {
  constructor(readonly backend: Backend) {}
  put(dtype: DType, shape: number[], data: ArrayBufferView, usage: BufferUsage = 'activations'): Tensor {
    const t = allocateTensor(this.backend, usage, dtype, shape);
    if (data.byteLength > 0) this.backend.write(t.buffer, 0, data);
    return t;
  }
  weight(dtype: DType, shape: number[], data: ArrayBufferView): Tensor {
    return this.put(dtype, shape, data, 'weights');
  }
  f32(shape: number[], data: Float32Array): Tensor {
    return this.put('f32', shape, data);
  }
  i32(data: Int32Array): Tensor {
    return this.put('i32', [data.length], data);
  }
  out(dtype: DType, shape: number[]): Tensor {
    return this.put(dtype, shape, new Uint8Array(0));
  }
  async runF32(op: Op, out: Tensor): Promise<Float32Array> {
    this.backend.run([op]);
    return asF32(await this.backend.read(out));
  }
}

/** A small op of kind `name` on planned tensors, with `dtype` as its weight (matmul, embedding) or cache (attention, copy) type: what `supports` is asked about. */
function representative(name: OpName, dtype: DType): Op {
  const p = plannedTensor;
  const k = DTYPE_INFO[dtype].blockSize;
  switch (name) {
    case 'embedding':
      return { op: name, table: p(dtype, [2, k]), ids: p('i32', [1]), out: p('f32', [1, k]) };
    case 'rms_norm':
      return { op: name, x: p('f32', [1, 4]), weight: p('f32', [4]), eps: 1e-5, out: p('f32', [1, 4]) };
    case 'matmul':
      return { op: name, x: p('f32', [1, k]), w: p(dtype, [2, k]), out: p('f32', [1, 2]) };
    case 'rope':
      return { op: name, x: p('f32', [1, 1, 4]), positions: p('i32', [1]), theta: 10000, mode: 'adjacent', out: p('f32', [1, 1, 4]) };
    case 'attention':
      return { op: name, q: p('f32', [1, 1, 4]), k: p(dtype, [2, 1, 4]), v: p(dtype, [2, 1, 4]), positions: p('i32', [1]), scale: 0.5, out: p('f32', [1, 4]) };
    case 'swiglu':
      return { op: name, gate: p('f32', [1, 4]), up: p('f32', [1, 4]), out: p('f32', [1, 4]) };
    case 'add':
      return { op: name, a: p('f32', [4]), b: p('f32', [4]), out: p('f32', [4]) };
    case 'copy':
      return { op: name, src: p('f32', [1, 4]), dst: p(dtype, [2, 4]), rows: p('i32', [1]) };
    case 'argmax':
      return { op: name, x: p('f32', [1, 4]), out: p('i32', [1]) };
    case 'sample':
      return { op: name, logits: p('f32', [1, 4]), random: p('i32', [1]), topK: 2, topP: 0.9, minP: 0.05, temperature: 0.8, out: p('i32', [1]) };
  }
}

function expectClose(actual: Float32Array, expected: ArrayLike<number>, tol: Tolerance): void {
  const c = compare(actual, expected, tol);
  expect(c.ok, `nmse ${c.nmse.toExponential(2)}, worst at ${c.worstIndex}: got ${c.worstActual}, want ${c.worstExpected}`).toBe(true);
}

/**
 * Registers the conformance suite for one backend with vitest: every op on
 * seeded random inputs of awkward sizes, compared with float64 references.
 * Ops (or weight dtypes) the backend does not support are reported as skipped, by name.
 */
export function describeConformance(factory: BackendFactory, options: ConformanceOptions = {}): void {
  const tol = options.tolerance ?? F32_TOLERANCE;
  const seed = options.seed ?? 1234;

  describe(`conformance: ${factory.name} backend${options.variant ? ` (${options.variant})` : ''}`, async () => {
    const probe = await factory.probe();
    if (!probe.ok) {
      it.skip(`skipped: ${factory.name} backend unavailable here (${probe.reason})`, () => {});
      return;
    }
    const backend = await factory.create();
    const h = new Harness(backend);
    const cases = (op: OpName, dtype: DType = 'f32') => (backend.supports(representative(op, dtype)).ok ? it : it.skip);

    describe.each([
      [1, 1, 1],
      [1, 5, 3],
      [3, 33, 7],
      [7, 67, 13],
      [2, 129, 31],
      [9, 40, 6],
      [17, 300, 5],
    ])('matmul f32 m=%i k=%i n=%i', (m, k, n) => {
      cases('matmul')('matches the f64 reference', async () => {
        const rng = new Prng(seed + m * 1000 + k);
        const x = randomF32(rng, m * k);
        const w = randomF32(rng, n * k);
        const out = h.out('f32', [m, n]);
        const got = await h.runF32({ op: 'matmul', x: h.f32([m, k], x), w: h.weight('f32', [n, k], w), out }, out);
        expectClose(got, refMatmul(x, w, m, k, n), tol);
      });
    });

    // a few rows, and batches of a prefill's size (a GPU's tiles, 32 to 64 rows by 64 to 128 outputs, cut through on both sides)
    describe.each(
      WEIGHT_DTYPES.flatMap((d): [typeof d, number, number][] =>
        d === 'f32' ? [[d, 37, 70]] : [[d, 3, 13], [d, 37, 70], ...(['q4_0', 'q4_k', 'f16'].includes(d) ? ([[d, 70, 140]] as [typeof d, number, number][]) : [])],
      ),
    )('matmul with %s weights, m=%i n=%i', (dtype, m, n) => {
      const block = DTYPE_INFO[dtype].blockSize;
      const k = block === 1 ? 67 : block === 32 ? 96 : 512;
      cases('matmul', dtype)(`k=${k}: as llama.cpp (activation converted first)`, async () => {
        const rng = new Prng(seed + k + m);
        const x = randomF32(rng, m * k);
        const w = randomWeight(rng, dtype, n, k);
        const xq = new Float32Array(x);
        for (let i = 0; i < m; i++) roundTripActivation(xq.subarray(i * k, (i + 1) * k), activationTypeFor(dtype));
        const out = h.out('f32', [m, n]);
        const got = await h.runF32({ op: 'matmul', x: h.f32([m, k], x), w: h.weight(dtype, [n, k], w.bytes), out }, out);
        expectClose(got, refMatmul(xq, w.values, m, k, n), tol);
      });
    });

    describe.each([
      ['q4_0', 2, 4160, 5],
      ['q6_k', 2, 2304, 3],
      ['f16', 1, 2500, 3],
      ['q4_k', 9, 768, 5],
      ['q4_1', 10, 352, 3],
      ['q8_0', 12, 2080, 2],
      ['q5_0', 1, 2080, 4],
      ['bf16', 2, 1030, 3],
    ] as const)('matmul with %s weights over a long row m=%i k=%i n=%i', (dtype, m, k, n) => {
      cases('matmul', dtype)('matches the reference across chunk boundaries', async () => {
        const rng = new Prng(seed + k + 5);
        const x = randomF32(rng, m * k);
        const w = randomWeight(rng, dtype, n, k);
        const xq = new Float32Array(x);
        for (let i = 0; i < m; i++) roundTripActivation(xq.subarray(i * k, (i + 1) * k), activationTypeFor(dtype));
        const out = h.out('f32', [m, n]);
        const got = await h.runF32({ op: 'matmul', x: h.f32([m, k], x), w: h.weight(dtype, [n, k], w.bytes), out }, out);
        expectClose(got, refMatmul(xq, w.values, m, k, n), tol);
      });
    });

    cases('matmul')('matmul with m=0 gives an empty result', async () => {
      const out = h.out('f32', [0, 3]);
      const got = await h.runF32({ op: 'matmul', x: h.f32([0, 5], new Float32Array(0)), w: h.f32([3, 5], new Float32Array(15)), out }, out);
      expect(got.length).toBe(0);
    });

    describe.each([
      [1, 1],
      [3, 7],
      [2, 301],
    ])('add %ix%i', (m, n) => {
      cases('add')('matches a + b', async () => {
        const rng = new Prng(seed + n);
        const a = randomF32(rng, m * n);
        const b = randomF32(rng, m * n);
        const out = h.out('f32', [m, n]);
        const got = await h.runF32({ op: 'add', a: h.f32([m, n], a), b: h.f32([m, n], b), out }, out);
        expectClose(
          got,
          Float64Array.from(a, (v, i) => v + b[i]!),
          tol,
        );
      });

      cases('add')('adds a row of n (a bias) to each of the m rows', async () => {
        const rng = new Prng(seed + 7 * n);
        const a = randomF32(rng, m * n);
        const bias = randomF32(rng, n);
        const out = h.out('f32', [m, n]);
        const got = await h.runF32({ op: 'add', a: h.f32([m, n], a), b: h.f32([n], bias), out }, out);
        expectClose(
          got,
          Float64Array.from(a, (v, i) => v + bias[i % n]!),
          tol,
        );
      });
    });

    it('refuses an op whose output overlaps an input (contract v2 forbids aliasing)', () => {
      const a = h.f32([37], new Float32Array(37));
      expect(() => backend.run([{ op: 'add', a, b: h.f32([37], new Float32Array(37)), out: a }])).toThrow(
        expect.objectContaining({ code: 'E_INVALID_ARGUMENT', message: expect.stringMatching(/overlaps an input/) }),
      );
    });

    cases('add')('replays a prepared graph with new inputs written between runs', async () => {
      const rng = new Prng(seed + 3);
      const [a, b, c] = [randomF32(rng, 64), randomF32(rng, 64), randomF32(rng, 64)];
      const [at, bt, out] = [h.f32([64], a), h.f32([64], b), h.out('f32', [64])];
      const prepared = backend.prepare([{ op: 'add', a: at, b: bt, out }]);
      prepared.run();
      expectClose(
        asF32(await backend.read(out)),
        Float64Array.from(a, (v, i) => v + b[i]!),
        tol,
      );
      backend.write(bt.buffer, 0, c);
      prepared.run();
      expectClose(
        asF32(await backend.read(out)),
        Float64Array.from(a, (v, i) => v + c[i]!),
        tol,
      );
      prepared.dispose();
      expect(() => prepared.run()).toThrow(expect.objectContaining({ code: 'E_DISPOSED' }));
    });

    describe.each([
      [1, 1],
      [3, 67],
      [2, 2048],
    ])('rms_norm %ix%i', (m, n) => {
      cases('rms_norm')('matches the f64 reference', async () => {
        const rng = new Prng(seed + n);
        const x = randomF32(rng, m * n);
        const w = randomF32(rng, n);
        const out = h.out('f32', [m, n]);
        const got = await h.runF32({ op: 'rms_norm', x: h.f32([m, n], x), weight: h.f32([n], w), eps: 1e-5, out }, out);
        expectClose(got, refRmsNorm(x, w, 1e-5, m, n), tol);
      });
    });

    describe.each([
      ['adjacent', 1, 1, 2],
      ['adjacent', 3, 5, 6],
      ['half', 3, 5, 6],
      ['adjacent', 2, 4, 64],
      ['half', 2, 3, 80],
    ] as const)('rope %s m=%i heads=%i hd=%i', (mode, m, heads, hd) => {
      cases('rope')('matches the f64 reference', async () => {
        const rng = new Prng(seed + hd);
        const x = randomF32(rng, m * heads * hd);
        const pos = Int32Array.from({ length: m }, (_, i) => i * 37 + 3);
        const out = h.out('f32', [m, heads, hd]);
        const got = await h.runF32({ op: 'rope', x: h.f32([m, heads, hd], x), positions: h.i32(pos), theta: 10000, mode, out }, out);
        expectClose(got, refRope(x, pos, 10000, mode, m, heads, hd), tol);
      });

      cases('rope')('divides each pair’s angle by its frequency factor (Llama 3’s rope_freqs)', async () => {
        const rng = new Prng(seed + 3 * hd);
        const x = randomF32(rng, m * heads * hd);
        const pos = Int32Array.from({ length: m }, (_, i) => i * 611 + 5);
        // Llama 3.1's kind of factors: 1 for the fast pairs, up to 32 for the slow ones
        const factors = Float32Array.from({ length: hd / 2 }, (_, i) => 1 + (31 * i) / Math.max(1, hd / 2 - 1));
        const out = h.out('f32', [m, heads, hd]);
        const got = await h.runF32({ op: 'rope', x: h.f32([m, heads, hd], x), positions: h.i32(pos), theta: 500000, mode, freqFactors: h.f32([hd / 2], factors), out }, out);
        expectClose(got, refRope(x, pos, 500000, mode, m, heads, hd, factors), tol);
      });
    });

    describe.each([
      [1, 1, 1, 2, 1],
      [3, 4, 2, 6, 9],
      [5, 8, 4, 48, 11],
      [2, 6, 1, 64, 40],
      [2, 4, 2, 64, 300],
      [1, 2, 1, 80, 530],
      [2, 2, 2, 256, 20],
      [12, 4, 2, 16, 40],
      [70, 4, 2, 64, 100],
    ])('attention m=%i heads=%i kv=%i hd=%i ctx=%i', (m, nh, nkv, hd, ctx) => {
      cases('attention')('matches the f64 reference (causal, grouped-query)', async () => {
        const rng = new Prng(seed + ctx);
        const q = randomF32(rng, m * nh * hd);
        const k = randomF32(rng, ctx * nkv * hd);
        const v = randomF32(rng, ctx * nkv * hd);
        const pos = Int32Array.from({ length: m }, (_, i) => ctx - m + i);
        const scale = 1 / Math.sqrt(hd);
        const out = h.out('f32', [m, nh * hd]);
        const op: Op = { op: 'attention', q: h.f32([m, nh, hd], q), k: h.f32([ctx, nkv, hd], k), v: h.f32([ctx, nkv, hd], v), positions: h.i32(pos), scale, out };
        expectClose(await h.runF32(op, out), refAttention(q, k, v, pos, scale, m, nh, nkv, hd), tol);
      });
    });

    describe.each([
      [1, 1, 1, 2, 1],
      [3, 4, 2, 6, 9],
      [4, 8, 2, 64, 37],
      [1, 4, 4, 32, 290],
      [9, 4, 2, 32, 70],
      [40, 2, 1, 64, 75],
    ])('attention over an f16 cache m=%i heads=%i kv=%i hd=%i ctx=%i', (m, nh, nkv, hd, ctx) => {
      cases('attention', 'f16')('matches the f64 reference on f16-rounded inputs, within f16 accumulation error', async () => {
        const rng = new Prng(seed + ctx + 1);
        const q = randomF32(rng, m * nh * hd);
        const k = randomF32(rng, ctx * nkv * hd);
        const v = randomF32(rng, ctx * nkv * hd);
        const toHalf = (a: Float32Array) => Uint16Array.from(a, (x) => f32ToF16(x));
        const rounded = (a: Float32Array) => Float64Array.from(a, (x) => f16ToF32(f32ToF16(x)));
        const pos = Int32Array.from({ length: m }, (_, i) => ctx - m + i);
        const scale = 1 / Math.sqrt(hd);
        const out = h.out('f32', [m, nh * hd]);
        const op: Op = { op: 'attention', q: h.f32([m, nh, hd], q), k: h.put('f16', [ctx, nkv, hd], toHalf(k)), v: h.put('f16', [ctx, nkv, hd], toHalf(v)), positions: h.i32(pos), scale, out };
        expectClose(await h.runF32(op, out), refAttention(rounded(q), rounded(k), rounded(v), pos, scale, m, nh, nkv, hd), F16_ACCUMULATION_TOLERANCE);
      });
    });

    // the block a forward pass repeats: norm, two matmuls reading it, a residual add (backends may fuse them)
    describe.each([
      ['f32', 1, 64, 24],
      ['q8_0', 3, 96, 10],
      ['q4_k', 1, 512, 7],
      ['f32', 9, 300, 5],
      // a prefill-sized batch over a long row: a GPU runs it tiled, with the norm separate and the add fused
      ['q4_k', 40, 512, 70],
    ] as const)('rms_norm, matmuls and a residual add in one graph: %s weights m=%i k=%i n=%i', (dtype, m, k, n) => {
      cases('matmul', dtype)('every tensor the graph writes matches the op-by-op reference', async () => {
        const rng = new Prng(seed + k + n);
        const [x, normW, residual] = [randomF32(rng, m * k), randomF32(rng, k), randomF32(rng, m * n)];
        const [w1, w2] = [randomWeight(rng, dtype, n, k), randomWeight(rng, dtype, n, k)];
        const h1 = h.out('f32', [m, k]);
        const [out1, out2, sum] = [h.out('f32', [m, n]), h.out('f32', [m, n]), h.out('f32', [m, n])];
        const xt = h.f32([m, k], x);
        backend.run([
          { op: 'rms_norm', x: xt, weight: h.f32([k], normW), eps: 1e-5, out: h1 },
          { op: 'matmul', x: h1, w: h.weight(dtype, [n, k], w1.bytes), out: out1 },
          { op: 'matmul', x: h1, w: h.weight(dtype, [n, k], w2.bytes), out: out2 },
          { op: 'add', a: h.f32([m, n], residual), b: out2, out: sum },
        ]);
        const normed = refRmsNorm(x, normW, 1e-5, m, k);
        const gotNormed = asF32(await backend.read(h1));
        expectClose(gotNormed, normed, tol);
        // each matmul against its reference on the norm's output as the backend made it (a last-ulp
        // difference may move a value across an activation quantization step)
        const xq = Float32Array.from(gotNormed);
        for (let i = 0; i < m; i++) roundTripActivation(xq.subarray(i * k, (i + 1) * k), activationTypeFor(dtype));
        const [want1, want2] = [refMatmul(xq, w1.values, m, k, n), refMatmul(xq, w2.values, m, k, n)];
        expectClose(asF32(await backend.read(out1)), want1, tol);
        expectClose(asF32(await backend.read(out2)), want2, tol);
        expectClose(
          asF32(await backend.read(sum)),
          Float64Array.from(want2, (v, i) => v + residual[i]!),
          tol,
        );
      });
    });

    // q, k and v (or gate and up): matmuls of different widths reading one norm's output (a GPU may run them as one dispatch)
    describe.each([
      ['q4_0', 1, 64, [32, 8, 8]],
      ['q4_k', 1, 512, [48, 16, 16]],
      ['f16', 3, 96, [20, 6, 6]],
      ['q4_1', 2, 64, [40, 24]],
    ] as const)('rms_norm, then matmuls of different widths reading it: %s weights m=%i k=%i n=%j', (dtype, m, k, ns) => {
      cases('matmul', dtype)('every output and the norm match the op-by-op reference', async () => {
        const rng = new Prng(seed + k + ns[0]);
        const [x, normW] = [randomF32(rng, m * k), randomF32(rng, k)];
        const weights = ns.map((n) => randomWeight(rng, dtype, n, k));
        const h1 = h.out('f32', [m, k]);
        const outs = ns.map((n) => h.out('f32', [m, n]));
        backend.run([
          { op: 'rms_norm', x: h.f32([m, k], x), weight: h.f32([k], normW), eps: 1e-5, out: h1 },
          ...ns.map((n, i): Op => ({ op: 'matmul', x: h1, w: h.weight(dtype, [n, k], weights[i]!.bytes), out: outs[i]! })),
        ]);
        const gotNormed = asF32(await backend.read(h1));
        expectClose(gotNormed, refRmsNorm(x, normW, 1e-5, m, k), tol);
        const xq = Float32Array.from(gotNormed);
        for (let i = 0; i < m; i++) roundTripActivation(xq.subarray(i * k, (i + 1) * k), activationTypeFor(dtype));
        for (const [i, n] of ns.entries()) expectClose(asF32(await backend.read(outs[i]!)), refMatmul(xq, weights[i]!.values, m, k, n), tol);
      });
    });

    // the end of the FFN: swiglu, the down projection reading it, the residual add (a GPU may run them as one kernel)
    describe.each([
      ['q4_0', 1, 96, 20],
      ['q6_k', 3, 512, 9],
      ['f16', 2, 3000, 7],
      // a prefill-sized batch: a GPU runs the matmul tiled, the swiglu separate
      ['q8_0', 40, 64, 70],
    ] as const)('swiglu, a matmul reading it and a residual add: %s weights m=%i k=%i n=%i', (dtype, m, k, n) => {
      cases('matmul', dtype)('every tensor the graph writes matches the op-by-op reference', async () => {
        const rng = new Prng(seed + k + n + m);
        const [gate, up, residual] = [randomF32(rng, m * k, 6), randomF32(rng, m * k), randomF32(rng, m * n)];
        const w = randomWeight(rng, dtype, n, k);
        const [act, down, sum] = [h.out('f32', [m, k]), h.out('f32', [m, n]), h.out('f32', [m, n])];
        backend.run([
          { op: 'swiglu', gate: h.f32([m, k], gate), up: h.f32([m, k], up), out: act },
          { op: 'matmul', x: act, w: h.weight(dtype, [n, k], w.bytes), out: down },
          { op: 'add', a: h.f32([m, n], residual), b: down, out: sum },
        ]);
        const gotAct = asF32(await backend.read(act));
        expectClose(gotAct, refSwiglu(gate, up), tol);
        // the matmul against its reference on the swiglu's output as the backend made it
        const xq = Float32Array.from(gotAct);
        for (let i = 0; i < m; i++) roundTripActivation(xq.subarray(i * k, (i + 1) * k), activationTypeFor(dtype));
        const want = refMatmul(xq, w.values, m, k, n);
        expectClose(asF32(await backend.read(down)), want, tol);
        expectClose(
          asF32(await backend.read(sum)),
          Float64Array.from(want, (v, i) => v + residual[i]!),
          tol,
        );
      });
    });

    // the start of attention: q and k rotated, the rotated k and v written into cache rows (a GPU may run the four as one kernel)
    describe.each([
      ['adjacent', 'f16', 1, 4, 2, 8],
      ['half', 'f16', 3, 4, 2, 8],
      ['adjacent', 'f32', 3, 2, 1, 6],
      ['half', 'f32', 1, 6, 2, 64],
    ] as const)('rope %s of q and k, then k and v into an %s cache: m=%i heads %i/%i hd=%i', (mode, cache, m, hq, hkv, hd) => {
      cases('copy', cache)('every tensor written matches the op-by-op reference', async () => {
        const rng = new Prng(seed + hd + m);
        const width = hkv * hd;
        const [q, k, v] = [randomF32(rng, m * hq * hd), randomF32(rng, m * width), randomF32(rng, m * width)];
        const ctx = 8;
        const rows = Int32Array.from([5, 2, 7].slice(0, m));
        const positions = h.i32(rows);
        const emptyCache = () => (cache === 'f16' ? h.put('f16', [ctx, width], new Uint16Array(ctx * width)) : h.f32([ctx, width], new Float32Array(ctx * width)));
        const [kCache, vCache] = [emptyCache(), emptyCache()];
        const [qRot, kRot] = [h.out('f32', [m, hq, hd]), h.out('f32', [m, hkv, hd])];
        backend.run([
          { op: 'rope', x: h.f32([m, hq, hd], q), positions, theta: 10000, mode, out: qRot },
          { op: 'rope', x: h.f32([m, hkv, hd], k), positions, theta: 10000, mode, out: kRot },
          { op: 'copy', src: reshape(kRot, [m, width]), dst: kCache, rows: positions },
          { op: 'copy', src: h.f32([m, width], v), dst: vCache, rows: positions },
        ]);
        expectClose(asF32(await backend.read(qRot)), refRope(q, rows, 10000, mode, m, hq, hd), tol);
        const gotK = asF32(await backend.read(kRot));
        expectClose(gotK, refRope(k, rows, 10000, mode, m, hkv, hd), tol);
        // the caches hold exactly the rows copied (rounded to f16 for an f16 cache), the rest untouched
        const cacheValues = async (t: Tensor) => {
          const bytes = (await backend.read(t)).slice();
          return cache === 'f16' ? [...new Uint16Array(bytes.buffer)] : [...new Float32Array(bytes.buffer)];
        };
        const expected = (src: Float32Array) => {
          const want = new Array<number>(ctx * width).fill(0);
          rows.forEach((row, i) => src.subarray(i * width, (i + 1) * width).forEach((x, j) => (want[row * width + j] = cache === 'f16' ? f32ToF16(x) : x)));
          return want;
        };
        expect(await cacheValues(kCache)).toEqual(expected(gotK));
        expect(await cacheValues(vCache)).toEqual(expected(v));
      });
    });

    // a decode step's attention block: rope, cache writes and attention over the cache the writes just extended (a GPU may fold all of it into the attention kernel)
    describe.each([
      ['adjacent', 'f16', 70, 100, 4, 2, 64],
      ['half', 'f32', 0, 8, 2, 1, 6],
      ['adjacent', 'f32', 130, 140, 8, 2, 32],
      ['half', 'f16', 63, 64, 4, 4, 8],
    ] as const)('rope %s, an %s cache row at position %i of %i, then attention over the cache: heads %i/%i hd=%i', (mode, cache, position, ctx, hq, hkv, hd) => {
      cases('attention', cache)('every tensor written matches the op-by-op reference, the cache row read only as written', async () => {
        const rng = new Prng(seed + position + hd);
        const width = hkv * hd;
        const [q, k, v] = [randomF32(rng, hq * hd), randomF32(rng, width), randomF32(rng, width)];
        // every row holds values before the step: the step's own row must be overwritten before any read of it
        const [kOld, vOld] = [randomF32(rng, ctx * width), randomF32(rng, ctx * width)];
        const stored = (a: Float32Array) => (cache === 'f16' ? Float32Array.from(a, (x) => f16ToF32(f32ToF16(x))) : a);
        const cacheOf = (a: Float32Array) =>
          cache === 'f16'
            ? h.put(
                'f16',
                [ctx, hkv, hd],
                Uint16Array.from(a, (x) => f32ToF16(x)),
              )
            : h.f32([ctx, hkv, hd], a);
        const [kCache, vCache] = [cacheOf(kOld), cacheOf(vOld)];
        const positions = h.i32(Int32Array.of(position));
        const [qRot, kRot, out] = [h.out('f32', [1, hq, hd]), h.out('f32', [1, hkv, hd]), h.out('f32', [1, hq * hd])];
        const vt = h.f32([1, width], v);
        const scale = 1 / Math.sqrt(hd);
        backend.run([
          { op: 'rope', x: h.f32([1, hq, hd], q), positions, theta: 10000, mode, out: qRot },
          { op: 'rope', x: h.f32([1, hkv, hd], k), positions, theta: 10000, mode, out: kRot },
          { op: 'copy', src: reshape(kRot, [1, width]), dst: reshape(kCache, [ctx, width]), rows: positions },
          { op: 'copy', src: vt, dst: reshape(vCache, [ctx, width]), rows: positions },
          { op: 'attention', q: qRot, k: kCache, v: vCache, positions, scale, out },
        ]);
        const wantQ = refRope(q, [position], 10000, mode, 1, hq, hd);
        expectClose(asF32(await backend.read(qRot)), wantQ, tol);
        const gotK = asF32(await backend.read(kRot));
        expectClose(gotK, refRope(k, [position], 10000, mode, 1, hkv, hd), tol);
        // the caches: the old rows, with row `position` now the rotated k and v as the cache stores them
        const withRow = (old: Float32Array, row: Float32Array) => {
          const want = stored(old).slice();
          want.set(stored(row), position * width);
          return want;
        };
        const [wantK, wantV] = [withRow(kOld, gotK), withRow(vOld, v)];
        const cacheValues = async (t: Tensor) => {
          const bytes = (await backend.read(t)).slice();
          return cache === 'f16' ? Float32Array.from(new Uint16Array(bytes.buffer), f16ToF32) : new Float32Array(bytes.buffer);
        };
        expect([...(await cacheValues(kCache))]).toEqual([...wantK]);
        expect([...(await cacheValues(vCache))]).toEqual([...wantV]);
        const queries = cache === 'f16' ? Float64Array.from(wantQ, (x) => f16ToF32(f32ToF16(x))) : wantQ;
        const want = refAttention(queries, wantK, wantV, [position], scale, 1, hq, hkv, hd);
        expectClose(asF32(await backend.read(out)), want, cache === 'f16' ? F16_ACCUMULATION_TOLERANCE : tol);
      });
    });

    cases('copy')('a read returns the bytes as of its call: work queued while it is pending does not change them', async () => {
      const dst = h.f32([4], Float32Array.of(0, 0, 0, 0));
      const before = backend.read(dst);
      backend.run([{ op: 'copy', src: h.f32([4], Float32Array.of(1, 2, 3, 4)), dst }]);
      expect([...asF32(await before)]).toEqual([0, 0, 0, 0]);
      expect([...asF32(await backend.read(dst))]).toEqual([1, 2, 3, 4]);
    });

    cases('copy', 'f16')('copy rounds rows into an f16 cache', async () => {
      const rng = new Prng(seed + 5);
      const src = randomF32(rng, 2 * 6);
      const dst = h.put('f16', [4, 6], new Uint16Array(24));
      backend.run([{ op: 'copy', src: h.f32([2, 6], src), dst, rows: h.i32(Int32Array.from([3, 1])) }]);
      const got = new Uint16Array((await backend.read(dst)).slice().buffer);
      const want = new Uint16Array(24);
      [3, 1].forEach((r, i) => src.subarray(i * 6, i * 6 + 6).forEach((x, j) => (want[r * 6 + j] = f32ToF16(x))));
      expect([...got]).toEqual([...want]);
    });

    describe.each([
      [1, 1],
      [3, 173],
    ])('swiglu %ix%i', (m, n) => {
      cases('swiglu')('matches silu(gate) * up', async () => {
        const rng = new Prng(seed + n);
        const g = randomF32(rng, m * n, 6);
        const u = randomF32(rng, m * n);
        const out = h.out('f32', [m, n]);
        const got = await h.runF32({ op: 'swiglu', gate: h.f32([m, n], g), up: h.f32([m, n], u), out }, out);
        expectClose(got, refSwiglu(g, u), tol);
      });
    });

    describe.each(WEIGHT_DTYPES.map((d) => [d]))('embedding from %s table', (dtype) => {
      cases('embedding', dtype)('gathers the decoded rows', async () => {
        const rng = new Prng(seed + 7);
        const dim = DTYPE_INFO[dtype].blockSize === 256 ? 256 : 96;
        const w = randomWeight(rng, dtype, 11, dim);
        const ids = Int32Array.from([10, 0, 3, 3]);
        const out = h.out('f32', [ids.length, dim]);
        const got = await h.runF32({ op: 'embedding', table: h.weight(dtype, [11, dim], w.bytes), ids: h.i32(ids), out }, out);
        const want = Float64Array.from({ length: ids.length * dim }, (_, i) => w.values[ids[Math.floor(i / dim)]! * dim + (i % dim)]!);
        expectClose(got, want, tol);
      });
    });

    cases('copy')('copy scatters rows into a cache at given rows', async () => {
      const rng = new Prng(seed);
      const src = randomF32(rng, 3 * 5);
      const dst = h.f32([9, 5], new Float32Array(45));
      const got = await h.runF32({ op: 'copy', src: h.f32([3, 5], src), dst, rows: h.i32(Int32Array.from([8, 2, 4])) }, dst);
      const want = new Float64Array(45);
      [8, 2, 4].forEach((r, i) => want.set(src.subarray(i * 5, i * 5 + 5), r * 5));
      expectClose(got, want, tol);
    });

    cases('argmax')('argmax picks the first maximum of each row', async () => {
      const x = Float32Array.from([0, 3, 3, 1, /* row 2 */ -5, -4, -4.5, -9, /* row 3 */ 7, 0, 0, 0]);
      const out = h.out('i32', [3]);
      backend.run([{ op: 'argmax', x: h.f32([3, 4], x), out }]);
      expect([...asI32(await backend.read(out))]).toEqual([1, 1, 0]);
    });

    describe.each([
      [0, 0, 0, 0.8],
      [40, 0.95, 0.05, 0.8],
      [5, 1, 0, 1.5],
      [0, 0.5, 0.1, 0.3],
      [1, 1, 0, 1],
    ])('sample with top-k %i, top-p %f, min-p %f, temperature %f', (topK, topP, minP, temperature) => {
      const settings = { topK, topP, minP, temperature };
      const supported = backend.supports({ ...representative('sample', 'f32'), ...settings } as Op).ok;
      (supported ? it : it.skip)("draws the ids @llamita/sampling's chain draws for the same seed", async () => {
        const [rows, vocab] = [24, 301];
        const rng = new Prng(seed + topK);
        const logits = randomF32(rng, rows * vocab, 4);
        const options = { topK, topP, minP, temperature, seed: 77 };
        const draws = new Prng(77);
        const random = Int32Array.from({ length: rows }, () => draws.nextU32() | 0);
        const out = h.out('i32', [rows]);
        backend.run([{ op: 'sample', logits: h.f32([rows, vocab], logits), random: h.i32(random), topK, topP, minP, temperature, out }]);
        // the chain draws once per token from its seeded generator, in row order, as the draws above
        const chain = new SamplerChain(options);
        const want = Array.from({ length: rows }, (_, i) => chain.sample(logits.subarray(i * vocab, (i + 1) * vocab)));
        expect([...asI32(await backend.read(out))]).toEqual(want);
      });
    });

    it('rejects misshapen graphs with a typed error before running', () => {
      const out = h.out('f32', [2, 2]);
      expect(() => backend.run([{ op: 'add', a: h.f32([2, 2], new Float32Array(4)), b: h.f32([4], new Float32Array(4)), out }])).toThrow(
        expect.objectContaining({ name: 'LlamitaError', code: 'E_SHAPE' }),
      );
    });
  });
}
