import { describe, expect, it } from 'vitest';
import { jsBackend } from '@llamita/backend-js';
import { WasmBackend, wasmBackend } from '@llamita/backend-wasm';
import { createWebGpuBackendFactory } from '@llamita/backend-webgpu';
import { dawnGpu } from '@llamita/backend-webgpu/node';
import { fixturePath, fixturesAvailable, quantExpectations, useSwiftShaderUnlessConfigured } from '@llamita/testkit';
import { fileSource } from './gguf/node-source.js';
import { readGguf } from './gguf/reader.js';
import { loadGgufLlama } from './gguf/gguf-llama.js';

const have = fixturesAvailable();
const expected = quantExpectations();
useSwiftShaderUnlessConfigured();
// WebGPU through Dawn; without a GPU, on SwiftShader (its kernels are the same WGSL)
const webgpu = createWebGpuBackendFactory({ gpu: dawnGpu, allowSoftwareAdapter: true });
const webgpuHere = (await webgpu.probe()).ok;

/** `{'Q4_K': 4, 'F32': 5}` (Python dict text from llama.cpp's side) to a map. */
function parseTypeCounts(text: string): Map<string, number> {
  return new Map([...text.matchAll(/'(\w+)': (\d+)/g)].map((m) => [m[1]!.toLowerCase(), Number(m[2])]));
}

describe.skipIf(!have)(`llama.cpp's quantized models${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  if (!webgpuHere) it.skip('the webgpu backend (skipped: no WebGPU adapter here, not even SwiftShader)', () => {});

  it.each(expected.map((e) => [e.file, e] as const))('%s: tensor types as llama.cpp counts them', async (_name, e) => {
    const file = await readGguf(await fileSource(fixturePath(`quant/${e.file}`)));
    const counts = new Map<string, number>();
    for (const t of file.tensors) counts.set(t.dtype, (counts.get(t.dtype) ?? 0) + 1);
    expect(counts).toEqual(parseTypeCounts(e.tensor_types));
    await file.source.close();
  });

  // Teacher-forced on llama.cpp's greedy path: at every step llama.cpp's token
  // must be our argmax, or (at most once per file) within NEAR_TIE of our top
  // logit, where float summation order alone can flip the choice.
  const NEAR_TIE = 1e-3;
  // the wasm backend with its default threads (shared memory) and with one thread (an ordinary memory, which detaches views when it grows)
  const wasmSingle = { ...wasmBackend, name: 'wasm (1 thread)', create: () => WasmBackend.create({ threads: 1 }) };
  const backends = [jsBackend, wasmBackend, wasmSingle, ...(webgpuHere ? [webgpu] : [])];
  it.each(expected.flatMap((e) => backends.map((b) => [e.file, b.name, e, b] as const)))("%s on the %s backend: greedy ids equal llama.cpp's", async (_name, _backend, e, factory) => {
    const file = await readGguf(await fileSource(fixturePath(`quant/${e.file}`)));
    const backend = await factory.create();
    const model = await loadGgufLlama(file, backend, { contextSize: 64 });
    let logits = await model.evaluate(e.greedy.prompt);
    const nearTies: string[] = [];
    for (const [step, want] of e.greedy.gen.entries()) {
      const top = logits.reduce((best, v, i) => (v > logits[best]! ? i : best), 0);
      if (top !== want) {
        const gap = logits[top]! - logits[want]!;
        expect(gap, `step ${step}: we pick ${top}, llama.cpp ${want}`).toBeLessThan(NEAR_TIE);
        nearTies.push(`step ${step} gap ${gap.toExponential(1)}`);
      }
      if (step + 1 < e.greedy.gen.length) logits = await model.evaluate([want]);
    }
    expect(nearTies.length, nearTies.join('; ')).toBeLessThanOrEqual(1);
    model.dispose();
    backend.dispose();
    await file.source.close();
  });
});
