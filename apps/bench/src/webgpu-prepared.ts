// What preparing a graph once saves per token on WebGPU (issue 13): a graph of
// the decode step's shape in the two ops the WebGPU backend runs so far (per
// layer seven f32 matmuls of one activation row and two residual adds, as a
// Llama block has), run as a prepared graph (bind groups and params made once)
// and through `backend.run(graph)` (checked, planned and bound every time),
// alternating rounds, each step ending with a 4-byte read as decode does.
// Run (Dawn from the `webgpu` package; SwiftShader on CPU machines):
//   node --import tsx apps/bench/src/webgpu-prepared.ts [--layers 22] [--dim 256] [--steps 64] [--rounds 5] [--out FILE.json]
// On the lent GPU it runs as a bundle (see ../shared/gpu/README.md and BENCHMARKS.md).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { create, globals } from 'webgpu';
import { allocateTensor, type Op, type Tensor } from '@llamita/core';
import { createWebGpuBackendFactory } from '@llamita/backend-webgpu';

const { values } = parseArgs({
  options: {
    layers: { type: 'string', default: '22' },
    dim: { type: 'string', default: '256' },
    steps: { type: 'string', default: '64' },
    rounds: { type: 'string', default: '5' },
    out: { type: 'string' },
  },
});
const [layers, dim, steps, rounds] = [Number(values.layers), Number(values.dim), Number(values.steps), Number(values.rounds)];

Object.assign(globalThis, globals);
const factory = createWebGpuBackendFactory({ gpu: create([]) });
const probe = await factory.probe();
if (!probe.ok) throw new Error(`no WebGPU adapter: ${probe.reason}`);
const backend = await factory.create();

const tensor = (shape: number[], usage: 'weights' | 'activations' = 'activations'): Tensor => {
  const t = allocateTensor(backend, usage, 'f32', shape);
  backend.write(
    t.buffer,
    0,
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5),
  );
  return t;
};
// per layer: q, k, v, o, gate, up, down projections (one row against [dim, dim]) and the two residual adds
const [x, xMid] = [tensor([1, dim]), tensor([1, dim])];
const graph: Op[] = [];
for (let l = 0; l < layers; l++) {
  const outs = Array.from({ length: 7 }, () => tensor([1, dim]));
  const ws = Array.from({ length: 7 }, () => tensor([dim, dim], 'weights'));
  for (let j = 0; j < 7; j++) graph.push({ op: 'matmul', x: j < 3 ? x : outs[j - 1]!, w: ws[j]!, out: outs[j]! });
  graph.push({ op: 'add', a: x, b: outs[3]!, out: xMid });
  graph.push({ op: 'add', a: xMid, b: outs[6]!, out: x });
}
const probeRead = { ...x, shape: [1] };

async function msPerStep(step: () => void): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < steps; i++) {
    step();
    await backend.read(probeRead);
  }
  return (performance.now() - start) / steps;
}
const prepared = backend.prepare(graph);
await msPerStep(() => prepared.run());
await msPerStep(() => backend.run(graph));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const [replayed, unprepared] = [[] as number[], [] as number[]];
for (let r = 0; r < rounds; r++) {
  replayed.push(await msPerStep(() => prepared.run()));
  unprepared.push(await msPerStep(() => backend.run(graph)));
}
const result = {
  adapter: backend.info.description,
  ops_per_step: graph.length,
  dim,
  steps,
  rounds,
  ms_per_step_prepared: +median(replayed).toFixed(3),
  ms_per_step_run_graph: +median(unprepared).toFixed(3),
  saved_ms_per_step: +(median(unprepared) - median(replayed)).toFixed(3),
  prepared_rounds: replayed.map((v) => +v.toFixed(3)),
  run_graph_rounds: unprepared.map((v) => +v.toFixed(3)),
};
console.log(JSON.stringify(result));
if (values.out) writeFileSync(values.out, JSON.stringify(result) + '\n');
backend.dispose();
