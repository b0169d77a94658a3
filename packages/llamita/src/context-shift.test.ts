import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsBackend } from '@llamita/backend-js';
import { wasmBackend } from '@llamita/backend-wasm';
import { fileSource } from '@llamita/model/node';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { loadModel } from './engine.js';

const have = fixturesAvailable();

/** llama.cpp's greedy ids past a 64-token context (tools/llama-cpp-reference/context-shift.mjs). */
interface ShiftGolden {
  readonly ctx: number;
  readonly n_predict: number;
  readonly prompt: number[];
  readonly shifts: { at_generated: number; n_discard: number }[];
  readonly gen: number[];
}
const golden = JSON.parse(readFileSync(new URL('./goldens/llama-cpp-context-shift.json', import.meta.url), 'utf8')) as ShiftGolden;

describe.skipIf(!have)(`context shift${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  it.each([jsBackend, wasmBackend].map((b) => [b.name, b] as const))(
    'on %s: stories260K with ctx 64 generates llama.cpp ids past the context, shifting when llama.cpp does',
    async (_name, backend) => {
      const engine = await loadModel(await fileSource(fixturePath('stories260K/stories260K.gguf')), { backend, contextSize: golden.ctx });
      expect(engine.tokenizer.encode('Once upon a time')).toEqual(golden.prompt);
      const ids: number[] = [];
      for await (const { id } of engine.generate(golden.prompt, { temperature: 0, maxTokens: golden.n_predict })) if (id >= 0) ids.push(id);
      expect(engine.stats.contextShifts).toBe(golden.shifts.length);
      expect(ids).toEqual(golden.gen);
      engine.dispose();
    },
  );

  it('without context shift, stops at the limit with finish reason length', async () => {
    const engine = await loadModel(await fileSource(fixturePath('stories260K/stories260K.gguf')), { backend: jsBackend, contextSize: golden.ctx });
    const ids: number[] = [];
    for await (const { id } of engine.generate(golden.prompt, { temperature: 0, maxTokens: golden.n_predict, contextShift: false })) if (id >= 0) ids.push(id);
    // as llama.cpp: a token is evaluated while n_past + 1 < n_ctx, so ctx - prompt tokens are chosen
    expect(ids).toEqual(golden.gen.slice(0, golden.ctx - golden.prompt.length));
    expect(engine.stats.finishReason).toBe('length');
    expect(engine.stats.contextShifts).toBe(0);
    engine.dispose();
  });
});
