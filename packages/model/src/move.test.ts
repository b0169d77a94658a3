import { afterAll, describe, expect, it } from 'vitest';
import { JsBackend } from '@llamita/backend-js';
import { WasmBackend } from '@llamita/backend-wasm';
import type { Backend } from '@llamita/core';
import { fixturePath, fixturesAvailable, quantExpectations } from '@llamita/testkit';
import { fileSource } from './gguf/node-source.js';
import { readGguf, type GgufFile } from './gguf/reader.js';
import { loadGgufLlama } from './gguf/gguf-llama.js';
import type { LlamaModel } from './llama/model.js';

const have = fixturesAvailable();
const expected = quantExpectations();

const argmax = (logits: Float32Array) => logits.reduce((best, v, i) => (v > logits[best]! ? i : best), 0);

/** Files opened by the tests: a model reads its file again when it moves, so they close at the end. */
const opened: GgufFile[] = [];
afterAll(() => Promise.all(opened.map((file) => file.source.close())));

async function open(name: string, backend: Backend, kvType: 'f16' | 'f32' = 'f16'): Promise<LlamaModel> {
  const file = await readGguf(await fileSource(fixturePath(`quant/${name}`)));
  opened.push(file);
  return loadGgufLlama(file, backend, { contextSize: 64, kvType });
}

/** Greedy ids after the prompt, `count` of them; `before(step)` runs before each step's evaluation. */
async function greedy(model: LlamaModel, prompt: readonly number[], count: number, before: (step: number) => Promise<void> = async () => {}): Promise<number[]> {
  const ids = [argmax(await model.evaluate(prompt))];
  for (let step = 1; step < count; step++) {
    await before(step);
    ids.push(argmax(await model.evaluate([ids.at(-1)!])));
  }
  return ids;
}

describe.skipIf(!have)(`a model moving between backends mid-sequence${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  it.each(['q-F32.gguf', 'q-Q8_0.gguf'])("%s: js -> wasm -> js gives the ids of staying on one backend, and llama.cpp's", async (name) => {
    const e = expected.find((x) => x.file === name)!;
    const count = e.greedy.gen.length;
    const stay = await greedy(await open(name, new JsBackend()), e.greedy.prompt, count);

    const js = new JsBackend();
    const wasm = await WasmBackend.create({ threads: 2 });
    const model = await open(name, js);
    const backendOwn = wasm.liveBytes;
    const positions: number[] = [];
    const moved = await greedy(model, e.greedy.prompt, count, async (step) => {
      if (step === 3) await model.moveTo(wasm);
      if (step === 7) await model.moveTo(js);
      if (step === 3 || step === 7) positions.push(model.position);
    });
    expect(model.backend).toBe(js);
    // the cache came along: the positions continued where they were
    expect(positions).toEqual([e.greedy.prompt.length + 2, e.greedy.prompt.length + 6]);
    expect(moved).toEqual(stay);
    expect(moved).toEqual(e.greedy.gen);
    // the model left nothing on wasm but the kernels' scratch (activation conversions, attention, RoPE tables: under 1 MiB here)
    expect(wasm.liveBytes - backendOwn).toBeLessThan(1 << 20);
    wasm.dispose();
  });

  it("converts the cache when the dtypes differ: an f16 cache imported as f32 continues within the f32 cache's own spread", async () => {
    const e = expected.find((x) => x.file === 'q-F32.gguf')!;
    const half = await open('q-F32.gguf', new JsBackend(), 'f16');
    await half.evaluate(e.greedy.prompt);
    const full = await open('q-F32.gguf', new JsBackend(), 'f32');
    full.kv.import(await half.kv.export());
    expect(full.position).toBe(e.greedy.prompt.length);
    const [a, b] = [await half.evaluate([e.greedy.gen[0]!]), await full.evaluate([e.greedy.gen[0]!])];
    // same cached values (f16 -> f32 is exact); only attention's arithmetic differs (f16 flash attention vs an exact softmax)
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
    expect(worst).toBeLessThan(1e-2);
    expect(argmax(b)).toBe(e.greedy.gen[1]);
  });

  it('refuses a snapshot that does not fit, and truncation past the length', async () => {
    const model = await open('q-F32.gguf', new JsBackend());
    await model.evaluate([1, 2, 3]);
    const snapshot = await model.kv.export();
    expect(() => model.kv.import({ ...snapshot, k: snapshot.k.slice(1) })).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    expect(() => model.kv.truncate(4)).toThrow(expect.objectContaining({ code: 'E_INVALID_ARGUMENT' }));
    model.kv.truncate(1);
    expect(model.position).toBe(1);
  });
});
