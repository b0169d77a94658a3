// A soak of one engine (issue 18): GENERATIONS generations of random length and sampling
// settings, a share of them aborted at random moments, sessions saved and restored, the
// model moved to another backend and back; greedy runs of fixed prompts compared with
// their first run; memory after warm-up, with its slope. Prints one JSON line.
// Run: pnpm --filter @llamita/bench soak ../shared/fixtures/stories260K/stories260K.gguf [--backend wasm|js|webgpu] [--generations 1000]
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { useSwiftShaderUnlessConfigured } from '@llamita/testkit';
import { runSoak } from './soak/run-soak.js';

// the relaxed-SIMD kernels, as the CLI runs them (Node 20 keeps them behind a flag)
setFlagsFromString('--experimental-wasm-relaxed-simd');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { backend: { type: 'string', default: 'wasm' }, generations: { type: 'string', default: '1000' }, 'abort-one-in': { type: 'string', default: '2' } },
});
const model = positionals[0];
if (!model) throw new Error('usage: soak MODEL.gguf [--backend wasm|js|webgpu] [--generations 1000] [--abort-one-in 2]');
const backend = values.backend === 'js' || values.backend === 'webgpu' ? values.backend : 'wasm';
// WebGPU through Dawn: SwiftShader unless a Vulkan driver is configured (VK_ICD_FILENAMES)
if (backend === 'webgpu') useSwiftShaderUnlessConfigured();
const report = await runSoak({
  model: resolve(process.env.INIT_CWD ?? process.cwd(), model),
  backend,
  generations: Number(values.generations),
  abortOneIn: Number(values['abort-one-in']),
  moveEvery: 100,
  warmUp: 50,
  seed: 18,
});
console.log(JSON.stringify({ model, date: new Date().toISOString(), ...report }));
