// What preparing a graph once saves per token (issue 13): the decode step's
// graph (one token) of a model, run N times as a prepared graph and N times
// through `backend.run(graph)`, which checks and plans it every time, in
// alternating rounds; plus the cost of `prepare` alone, which is the saving.
// Run: pnpm --filter @llamita/bench prepared-graphs MODEL.gguf [--backend js|wasm] [--threads N] [--steps 64] [--rounds 5]
import { setFlagsFromString } from 'node:v8';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { jsBackend } from '@llamita/backend-js';
import { WasmBackend } from '@llamita/backend-wasm';
import type { Backend } from '@llamita/core';
import { ActivationScratch, KvCache, llamaConfigFromGguf, llamaForward, loadLlamaWeights, ggufTensorSource, readGguf } from '@llamita/model';
import { fileSource } from '@llamita/model/node';

setFlagsFromString('--experimental-wasm-relaxed-simd');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { backend: { type: 'string', default: 'wasm' }, threads: { type: 'string' }, steps: { type: 'string', default: '64' }, rounds: { type: 'string', default: '5' } },
});
const path = positionals[0];
if (!path) throw new Error('usage: prepared-graphs MODEL.gguf [--backend js|wasm] [--threads N] [--steps 64] [--rounds 5]');
const [steps, rounds] = [Number(values.steps), Number(values.rounds)];

const backend: Backend = values.backend === 'wasm' ? await WasmBackend.create(values.threads ? { threads: Number(values.threads) } : {}) : await jsBackend.create();
const file = await readGguf(await fileSource(resolve(process.env.INIT_CWD ?? process.cwd(), path)));
const config = llamaConfigFromGguf(file);
const weights = await loadLlamaWeights(ggufTensorSource(file), config, backend);
const kv = KvCache.allocate(config, backend, steps + 1, 'f16');
const a = new ActivationScratch(config, 1, backend).view(1, 1);
const graph = llamaForward(config, weights, kv.layers, a, false);

/** ms per step of `steps` decode steps at positions 0.., each done by `step`, the argmax read back as a model does. */
async function time(step: () => void): Promise<number> {
  const start = performance.now();
  for (let p = 0; p < steps; p++) {
    backend.write(a.ids.buffer, a.ids.byteOffset, Int32Array.of(1 + p));
    backend.write(a.positions.buffer, a.positions.byteOffset, Int32Array.of(p));
    step();
    await backend.read(a.next);
  }
  return (performance.now() - start) / steps;
}

const prepared = backend.prepare(graph);
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
const replayed: number[] = [];
const unprepared: number[] = [];
const prepareOnly: number[] = [];
for (let r = 0; r < rounds; r++) {
  replayed.push(await time(() => prepared.run()));
  unprepared.push(await time(() => backend.run(graph)));
  const start = performance.now();
  for (let i = 0; i < steps; i++) backend.prepare(graph).dispose();
  prepareOnly.push((performance.now() - start) / steps);
}
console.log(
  JSON.stringify({
    model: path,
    backend: backend.info.name,
    backend_info: backend.info.description,
    ops_per_step: graph.length,
    steps,
    rounds,
    ms_per_token_prepared: +median(replayed).toFixed(3),
    ms_per_token_run_graph: +median(unprepared).toFixed(3),
    ms_prepare_per_token: +median(prepareOnly).toFixed(4),
  }),
);
backend.dispose();
