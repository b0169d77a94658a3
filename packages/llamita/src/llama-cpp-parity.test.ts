import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsBackend } from '@llamita/backend-js';
import { wasmBackend } from '@llamita/backend-wasm';
import { bytesSource, readGguf, SYNTHETIC_SHAPES, synthesizeLlama, type SyntheticDType, type SyntheticShapeName } from '@llamita/model';
import { fileSource } from '@llamita/model/node';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { loadModel } from './engine.js';
import { score } from './evaluate.js';

interface Golden {
  shape: SyntheticShapeName;
  dtype: SyntheticDType;
  seed: number;
  sha256: string;
  prompt: number[];
  gen: number[];
  positions: { next: number; next_logprob: number; top5: [number, number][] }[];
}
const goldens = JSON.parse(readFileSync(new URL('./goldens/llama-cpp-synthetic.json', import.meta.url), 'utf8')) as { prompt_text: string; models: Golden[] };
const have = fixturesAvailable();

/**
 * How close to llama.cpp each model must be. F32 and F16: log-probabilities
 * within 1e-2 (2e-3 at the first position, BOS alone, where only matmul
 * rounding differs), greedy choices equal but for one near tie.
 *
 * Quantized synthetic models are ill-conditioned: an ulp anywhere can flip
 * the 8-bit rounding of the next matmul's input (or the f16 rounding of the
 * KV cache), and the flip then grows through the layers. llama.cpp itself
 * moves by up to 0.21 in log-probability on them when only its flash
 * attention is switched off, and by 0.15 on kquant Q4_K_M between batch sizes
 * 128 and 1 (its repacked and plain Q4_K kernels round differently), against
 * ≤ 0.01 on the F32/F16 models (tools/llama-cpp-reference/parity-sensitivity.mjs).
 * So every quantized model must stay within that spread (0.25), and where a
 * backend reproduces llama.cpp's x86 rounding step by step (RMSNorm, SwiGLU's
 * exp, the summation order of the Q8_0/Q4_0 kernels — `EXACT` below), most
 * positions must agree to 1e-3: the median difference, and the first position.
 * Not reproduced yet: the integer-domain sums of llama.cpp's Q4_K/Q5_K
 * kernels (we dequantize, then sum), its f32 orders for F32/F16 weights, and
 * in the wasm backend the Q8_0 lane order, the Q6_K float order and the
 * attention dot for head size 48.
 */
interface Tolerance {
  readonly logprob: number;
  readonly firstPosition: number;
  /** Greedy positions (of 16) where our argmax may differ from llama.cpp's token. */
  readonly greedyMisses: number;
}
const FLOAT: Tolerance = { logprob: 1e-2, firstPosition: 2e-3, greedyMisses: 1 };
const QUANTIZED_SPREAD: Tolerance = { logprob: 0.25, firstPosition: 0.03, greedyMisses: 2 };
const toleranceFor = (dtype: SyntheticDType): Tolerance => (dtype === 'f32' || dtype === 'f16' ? FLOAT : QUANTIZED_SPREAD);

/** Backend → the quantized models on which it reproduces llama.cpp's rounding (see above). */
const EXACT: Record<string, readonly string[]> = { js: ['small q8_0', 'small q4_0', 'kquant q6_k'], wasm: ['kquant q6_k'] };
const EXACT_LOGPROB = 1e-3;
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

describe.skipIf(!have)(`parity with llama.cpp (node-llama-cpp 3.21.1 goldens) on synthetic models${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  const cases = goldens.models.flatMap((g) => [jsBackend, wasmBackend].map((backend) => [`${g.shape} ${g.dtype} seed ${g.seed} on the ${backend.name} backend${toleranceFor(g.dtype) === FLOAT ? '' : EXACT[backend.name]?.includes(`${g.shape} ${g.dtype}`) ? ', llama.cpp\'s rounding reproduced (median within 1e-3)' : ", within llama.cpp's own configuration spread"}`, g, backend] as const));
  it.each(cases)('%s', async (_name, g, backend) => {
    const vocab = await readGguf(await fileSource(fixturePath('llama-spm-vocab/ggml-vocab-llama-spm.gguf')));
    const synthesized = synthesizeLlama({ shape: SYNTHETIC_SHAPES[g.shape], dtype: g.dtype, seed: g.seed, vocab });
    const bytes = Buffer.concat([synthesized.header, ...Array.from(synthesized.chunks(), (c) => c.bytes)]);
    // the very file llama.cpp read
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(g.sha256);

    const engine = await loadModel(bytesSource(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)), { backend, contextSize: 128 });
    expect(engine.tokenizer.encode(goldens.prompt_text)).toEqual(g.prompt);

    const tol = toleranceFor(g.dtype);
    const s = await score(engine, [...g.prompt, ...g.gen]);
    const differences = s.logprobs.map((lp, i) => Math.abs(lp - g.positions[i]!.next_logprob));
    const worst = Math.max(...differences);
    s.logprobs.forEach((_lp, i) => {
      const ref = g.positions[i]!;
      const [[best, bestLp], [, secondLp]] = ref.top5 as [[number, number], [number, number]];
      if (s.top1[i] !== best && tol === FLOAT) expect(bestLp - secondLp, `position ${i}: top1 ${s.top1[i]} vs llama.cpp ${best}`).toBeLessThan(tol.logprob);
    });
    expect(worst).toBeLessThan(tol.logprob);
    expect(differences[0]).toBeLessThan(tol.firstPosition);
    if (EXACT[backend.name]?.includes(`${g.shape} ${g.dtype}`)) {
      expect(differences[0]).toBeLessThan(EXACT_LOGPROB);
      expect(median(differences), differences.map((d) => d.toFixed(4)).join(' ')).toBeLessThan(EXACT_LOGPROB);
    }
    // greedy: along llama.cpp's path, our argmax is llama.cpp's token at every generated position
    const genTop1 = s.top1.slice(g.prompt.length - 1);
    const agree = genTop1.filter((t, i) => t === g.gen[i]).length;
    expect(agree).toBeGreaterThanOrEqual(g.gen.length - tol.greedyMisses);
  });
});
