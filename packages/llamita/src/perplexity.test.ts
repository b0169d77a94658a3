import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsBackend } from '@llamita/backend-js';
import { fileSource } from '@llamita/model/node';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { loadModel } from './engine.js';
import { perplexity, score } from './evaluate.js';

const have = fixturesAvailable();
const expected: { file: string; ppl_ctx64: number; greedy: { prompt: number[]; gen: number[] } }[] = have
  ? readFileSync(fixturePath('quant/expected.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  : [];

describe.skipIf(!have)(`perplexity against llama.cpp's perplexity tool${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  const text = have ? readFileSync(fixturePath('quant/text.txt'), 'utf8') : '';

  // F32/F16/BF16 agree to 4 significant digits; with quantized weights the
  // remaining differences in summation order move it by up to 1e-3 (relative).
  const tolerance = (file: string) => (/F32|F16|BF16/.test(file) ? 2e-4 : 1e-3);
  it.each(expected.map((e) => [e.file, e] as const))('%s at ctx 64 matches llama.cpp', async (_name, e) => {
    const engine = await loadModel(await fileSource(fixturePath(`quant/${e.file}`)), { backend: jsBackend, contextSize: 64 });
    const progress: number[] = [];
    const result = await perplexity(engine, text, 64, (p) => progress.push(p.ppl));
    expect(Math.abs(result.ppl - e.ppl_ctx64) / e.ppl_ctx64).toBeLessThan(tolerance(e.file));
    expect(progress.length).toBe(result.chunks);
    expect(result.tokens).toBe(result.chunks * 31);
  });

  it("score: teacher-forced on llama.cpp's greedy path, top1 is that path (F32)", async () => {
    const e = expected.find((x) => x.file === 'q-F32.gguf')!;
    const engine = await loadModel(await fileSource(fixturePath('quant/q-F32.gguf')), { backend: jsBackend, contextSize: 64 });
    const fromText = await score(engine, 'Once upon a time');
    expect(fromText.tokens).toEqual(e.greedy.prompt);
    const s = await score(engine, [...e.greedy.prompt, ...e.greedy.gen]);
    expect(s.logprobs.length).toBe(s.tokens.length - 1);
    expect(s.logprobs.every((l) => l <= 0)).toBe(true);
    expect(s.top1.slice(e.greedy.prompt.length - 1)).toEqual(e.greedy.gen);
  });
});
