import { describe, expect, it } from 'vitest';
import { WasmBackend } from '@llamita/backend-wasm';
import { fileSource } from '@llamita/model/node';
import { Prng } from '@llamita/sampling';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { loadModel } from './engine.js';

const have = fixturesAvailable();

describe.skipIf(!have)(`memory over many prompts${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  it('an engine on wasm keeps the same wasm memory after 60 prompts of random lengths as after the 10th; dispose frees it all', async () => {
    const wasm = await WasmBackend.create({ threads: 2 });
    const own = wasm.liveBytes;
    const engine = await loadModel(await fileSource(fixturePath('stories260K/stories260K.gguf')), { backend: wasm, contextSize: 256 });
    const rng = new Prng(3);
    let afterTenth = { memory: 0, live: 0 };
    for (let i = 1; i <= 60; i++) {
      // prompt lengths 1..200, the first the longest: the model's activations are viewed for each, never allocated
      // again, and the kernels' scratch (sized by the batch) has reached its largest after it
      const length = i === 1 ? 199 : Math.floor(rng.next() * 200);
      const ids = [1, ...Array.from({ length }, () => 2 + Math.floor(rng.next() * 500))];
      for await (const _token of engine.generate(ids, { temperature: 0, maxTokens: 3, stopAtEos: false })) void _token;
      if (i === 10) afterTenth = { memory: wasm.memoryBytes, live: wasm.liveBytes };
    }
    expect({ memory: wasm.memoryBytes, live: wasm.liveBytes }).toEqual(afterTenth);
    engine.dispose();
    // the engine did not dispose a backend it was given; what it allocated is back, bar the kernels' own scratch (a few hundred KiB)
    expect(wasm.liveBytes - own).toBeLessThan(512 << 10);
    wasm.dispose();
  });
});
