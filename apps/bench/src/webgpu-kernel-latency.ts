// What each decode kernel costs in a running command buffer on WebGPU (issue
// 14): the profiler times each dispatch in a pass of its own, which adds
// about 6 µs to every one; here each case is a graph of the same op group
// repeated `repeats` times, each reading or overwriting what the one before
// wrote (so the GPU runs them in order, as a decode step does), timed as
// prepared graph runs ending in a 4-byte read. Per group: the time of
// `repeats` groups less that of one, over repeats - 1. Each decode shape
// given (`--shapes 16x16/4,32x8/4`, THREADSxROWS/UNROLL, `default` for the
// planner's own) runs every matmul case again.
// Shapes of TinyLlama-1.1B's layer (dim 2048, 32 heads of 64, 4 KV heads,
// FFN 5632) with Q4_0 weights.
// Run (Dawn from the `webgpu` package):
//   node --import tsx apps/bench/src/webgpu-kernel-latency.ts [--repeats 64] [--steps 20] [--rounds 3] [--shapes default,32x8/4] [--out FILE.json]
// On the lent GPU as a bundle: gpu-pack.sh builds .gpu/kernel-latency.mjs.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { create, globals } from 'webgpu';
import { allocateTensor, type Backend, type DType, type Op, type Tensor } from '@llamita/core';
import { createWebGpuBackendFactory, type DecodeShape } from '@llamita/backend-webgpu';

const { values } = parseArgs({
  options: {
    repeats: { type: 'string', default: '64' },
    steps: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    shapes: { type: 'string', default: 'default' },
    out: { type: 'string' },
  },
});
const [repeats, steps, rounds] = [Number(values.repeats), Number(values.steps), Number(values.rounds)];

/** `16x16/4` as a decode shape; `default` as none. */
function parseShape(text: string): DecodeShape | undefined {
  if (text === 'default') return undefined;
  const match = /^(\d+)x(\d+)\/(\d+)$/.exec(text);
  if (!match) throw new Error(`--shapes: "${text}" is not THREADSxROWS/UNROLL or default`);
  return { threads: Number(match[1]), rows: Number(match[2]), unroll: Number(match[3]) };
}

/** A tensor of `dtype` filled with a fixed pattern (quantized blocks: small scales, so no value overflows). */
function filled(backend: Backend, dtype: DType, shape: number[]): Tensor {
  const t = allocateTensor(backend, dtype === 'f32' || dtype === 'i32' ? 'activations' : 'weights', dtype, shape);
  const bytes = new Uint8Array(t.buffer.byteLength);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37) % 251;
  if (dtype === 'f32') {
    const f = new Float32Array(bytes.buffer, 0, bytes.length / 4);
    for (let i = 0; i < f.length; i++) f[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  }
  // a Q4_0 block is an f16 scale (0x2c00: 1/16) and 16 bytes of nibbles
  if (dtype === 'q4_0') for (let b = 0; b + 18 <= bytes.length; b += 18) [bytes[b], bytes[b + 1]] = [0x00, 0x2c];
  if (dtype === 'i32') bytes.fill(0);
  backend.write(t.buffer, 0, bytes);
  return t;
}

const [dim, ffn, heads, kvHeads, hd, ctx, position] = [2048, 5632, 32, 4, 64, 2048, 600];

/** One group of ops of a decode layer, made `repeats` times over the same tensors, each group depending on the one before. */
type Case = (backend: Backend) => (repeats: number) => Op[];

const CASES: Record<string, Case> = {
  'add [1, 2048]': (b) => {
    const [x, y, z] = [filled(b, 'f32', [1, dim]), filled(b, 'f32', [1, dim]), filled(b, 'f32', [1, dim])];
    return (n) => Array.from({ length: n }, (_, i): Op => ({ op: 'add', a: i % 2 ? z : x, b: y, out: i % 2 ? x : z }));
  },
  'rms_norm + q, k, v (grouped)': (b) => {
    const [x, w, h, q, k, v] = [filled(b, 'f32', [1, dim]), filled(b, 'f32', [dim]), filled(b, 'f32', [1, dim]), filled(b, 'f32', [1, dim]), filled(b, 'f32', [1, 256]), filled(b, 'f32', [1, 256])];
    const [wq, wk, wv] = [filled(b, 'q4_0', [dim, dim]), filled(b, 'q4_0', [256, dim]), filled(b, 'q4_0', [256, dim])];
    return (n) =>
      Array.from({ length: n }, (_, i): Op[] => {
        const [from, to] = i % 2 ? [q, x] : [x, q];
        return [
          { op: 'rms_norm', x: from, weight: w, eps: 1e-5, out: h },
          { op: 'matmul', x: h, w: wq, out: to },
          { op: 'matmul', x: h, w: wk, out: k },
          { op: 'matmul', x: h, w: wv, out: v },
        ];
      }).flat();
  },
  'output projection + add': (b) => {
    const [x, y, res, sum] = [filled(b, 'f32', [1, dim]), filled(b, 'f32', [1, dim]), filled(b, 'f32', [1, dim]), filled(b, 'f32', [1, dim])];
    const w = filled(b, 'q4_0', [dim, dim]);
    // x -> y, res + y -> sum; then sum -> y, res + y -> x
    return (n) =>
      Array.from({ length: n }, (_, i): Op[] => [
        { op: 'matmul', x: i % 2 ? sum : x, w, out: y },
        { op: 'add', a: res, b: y, out: i % 2 ? x : sum },
      ]).flat();
  },
  'rms_norm + gate, up (grouped)': (b) => {
    const [x, w, h, gate, up] = [filled(b, 'f32', [1, dim]), filled(b, 'f32', [dim]), filled(b, 'f32', [1, dim]), filled(b, 'f32', [1, ffn]), filled(b, 'f32', [1, ffn])];
    const [wg, wu] = [filled(b, 'q4_0', [ffn, dim]), filled(b, 'q4_0', [ffn, dim])];
    return (n) =>
      Array.from({ length: n }, (): Op[] => [
        { op: 'rms_norm', x, weight: w, eps: 1e-5, out: h },
        { op: 'matmul', x: h, w: wg, out: gate },
        { op: 'matmul', x: h, w: wu, out: up },
      ]).flat();
  },
  'swiglu + down + add': (b) => {
    const [gate, up, act, down, res, sum] = [
      filled(b, 'f32', [1, ffn]),
      filled(b, 'f32', [1, ffn]),
      filled(b, 'f32', [1, ffn]),
      filled(b, 'f32', [1, dim]),
      filled(b, 'f32', [1, dim]),
      filled(b, 'f32', [1, dim]),
    ];
    const w = filled(b, 'q4_0', [dim, ffn]);
    return (n) =>
      Array.from({ length: n }, (): Op[] => [
        { op: 'swiglu', gate, up, out: act },
        { op: 'matmul', x: act, w, out: down },
        { op: 'add', a: res, b: down, out: sum },
      ]).flat();
  },
  'rope, cache write, attention (600 keys, f16 cache)': (b) => {
    const [q, k, v, qRot, kRot, out] = [
      filled(b, 'f32', [1, heads, hd]),
      filled(b, 'f32', [1, kvHeads, hd]),
      filled(b, 'f32', [1, kvHeads * hd]),
      filled(b, 'f32', [1, heads, hd]),
      filled(b, 'f32', [1, kvHeads, hd]),
      filled(b, 'f32', [1, heads * hd]),
    ];
    const [kCache, vCache] = [allocateTensor(b, 'kv-cache', 'f16', [ctx, kvHeads, hd]), allocateTensor(b, 'kv-cache', 'f16', [ctx, kvHeads, hd])];
    const positions = allocateTensor(b, 'io', 'i32', [1]);
    b.write(positions.buffer, 0, Int32Array.of(position));
    const rows = { ...kCache, shape: [ctx, kvHeads * hd] };
    return (n) =>
      Array.from({ length: n }, (): Op[] => [
        { op: 'rope', x: q, positions, theta: 10000, mode: 'adjacent', out: qRot },
        { op: 'rope', x: k, positions, theta: 10000, mode: 'adjacent', out: kRot },
        { op: 'copy', src: { ...kRot, shape: [1, kvHeads * hd] }, dst: rows, rows: positions },
        { op: 'copy', src: v, dst: { ...vCache, shape: [ctx, kvHeads * hd] }, rows: positions },
        { op: 'attention', q: qRot, k: kCache, v: vCache, positions, scale: 0.125, out },
      ]).flat();
  },
};

Object.assign(globalThis, globals);
const gpu = create([]);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Median ms of a prepared graph's run and a 4-byte read. */
async function msPerRun(backend: Backend, graph: Op[], probe: Tensor): Promise<number> {
  const prepared = backend.prepare(graph);
  const once = async () => {
    const start = performance.now();
    for (let i = 0; i < steps; i++) {
      prepared.run();
      await backend.read(probe);
    }
    return (performance.now() - start) / steps;
  };
  await once();
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) times.push(await once());
  prepared.dispose();
  return median(times);
}

const results: Record<string, Record<string, number>> = {};
let adapter = '';
for (const shapeText of values.shapes.split(',')) {
  const decodeShape = parseShape(shapeText);
  const backend = await createWebGpuBackendFactory({ gpu, allowSoftwareAdapter: process.env.LLAMITA_SOFTWARE_GPU === '1', ...(decodeShape && { decodeShape }) }).create();
  adapter = backend.info.description;
  const probe = filled(backend, 'f32', [1]);
  results[shapeText] = {};
  for (const [name, make] of Object.entries(CASES)) {
    // the decode shape changes only matmuls: the other cases run with the first shape alone
    if (shapeText !== values.shapes.split(',')[0] && !/q, k, v|projection|gate|down/.test(name)) continue;
    const build = make(backend);
    const one = await msPerRun(backend, build(1), probe);
    const many = await msPerRun(backend, build(repeats), probe);
    results[shapeText][name] = +(((many - one) / (repeats - 1)) * 1000).toFixed(2);
    console.log(`${shapeText.padEnd(10)} ${name.padEnd(48)} ${results[shapeText][name]} µs a group`);
  }
  backend.dispose();
}
const report = { adapter, repeats, steps, rounds, us_per_group: results };
if (values.out) writeFileSync(values.out, `${JSON.stringify(report, null, 1)}\n`);
