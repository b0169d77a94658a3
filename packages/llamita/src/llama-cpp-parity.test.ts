import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsBackend } from '@llamita/backend-js';
import { wasmBackend } from '@llamita/backend-wasm';
import { createWebGpuBackendFactory } from '@llamita/backend-webgpu';
import { dawnGpu } from '@llamita/backend-webgpu/node';
import { bytesSource, readGguf } from '@llamita/model';
import { SYNTHETIC_SHAPES, synthesizeLlama, type SyntheticArch, type SyntheticDType, type SyntheticShapeName } from '@llamita/model/synthetic';
import { fileSource } from '@llamita/model/node';
import { fixturePath, fixturesAvailable, useSwiftShaderUnlessConfigured } from '@llamita/testkit';
import { loadModel } from './engine.js';
import { score } from './evaluate.js';

interface Golden {
  /** The make-model variant (absent: llama). */
  arch?: SyntheticArch;
  /** The vocabulary's fixture path (absent: the Llama 2 SentencePiece one). */
  vocab?: string;
  shape: SyntheticShapeName;
  dtype: SyntheticDType;
  seed: number;
  sha256: string;
  prompt: number[];
  gen: number[];
  positions: { next: number; next_logprob: number; top5: [number, number][] }[];
}
const goldenFile = (name: string) => JSON.parse(readFileSync(new URL(`./goldens/${name}`, import.meta.url), 'utf8')) as { prompt_text: string; models: Golden[] };
// Llama 2 models of every weight type, and the other architectures (SmolLM2, Qwen3, Phi-3; issue 19), all made by tools/llama-cpp-reference/make-goldens.mjs
const goldens = goldenFile('llama-cpp-synthetic.json');
const architectures = goldenFile('llama-cpp-architectures.json');
const have = fixturesAvailable();
// WebGPU where an adapter is (SwiftShader in CI) for the architectures' models: its kernels run the q/k norms, NeoX RoPE and wide heads too
useSwiftShaderUnlessConfigured();
const webgpu = createWebGpuBackendFactory({ gpu: dawnGpu, allowSoftwareAdapter: true });
const webgpuHere = (await webgpu.probe()).ok;

/**
 * How close to llama.cpp each model must be, on every backend.
 *
 * Both backends reproduce the f32 roundings of llama.cpp's x86 CPU kernels
 * (the AVX-512 build node-llama-cpp runs here) step by step: RMSNorm, RoPE's
 * angle chain, SwiGLU's vector exp, the flash-attention dot and its f16
 * accumulator, and the summation order of the Q8_0, Q5_0, Q4_0 (repacked),
 * Q4_K (repacked, one-row and four-row kernels), Q6_K and F16 matmuls. That
 * matters because these random models are ill-conditioned: one ulp anywhere
 * can flip the 8-bit rounding of the next matmul's input or an f16 rounding
 * in the KV cache, and the flip grows through the layers (llama.cpp itself
 * moves by up to 0.21 in log-probability on the quantized ones when only its
 * flash attention is switched off: tools/llama-cpp-reference/parity-sensitivity.mjs).
 *
 * - `exact`: every log-probability within the tolerance the backend's numerics
 *   declare (`info.numerics.logProbTolerance`: 1e-3 for llama.cpp's x86 orders,
 *   which js and wasm reproduce), every greedy choice equal.
 * - `float`: F32/F16 weights with 288-wide rows, whose f32 summation order is
 *   not reproduced: within 1e-2 (llama.cpp's own spread on them is up to
 *   0.0096), greedy choices equal but for one near tie.
 * - `exactUntilFlip`: small Q4_K_M agrees to 1e-3 up to position 12 and then
 *   drifts (from its 288-row Q4_K/Q6_K ffn_down: turning those to F32 on
 *   both sides makes it exact; the cause is not found yet): the median
 *   position within 1e-3, every position within llama.cpp's own spread (0.25).
 * - `withinSpread`: the architectures of issue 19 with quantized weights
 *   (SmolLM2's tied head, Qwen2, Qwen3, Phi-3) and Phi-3 in F32: many
 *   positions within 1e-4, others parted from llama.cpp by up to 0.14 (0.007
 *   in F32; WebGPU up to 0.19): the median within 0.1, every position within llama.cpp's own
 *   spread (0.25); greedy choices equal but at near ties. Not the new
 *   switches: Qwen2, Qwen3 and Llama 3 are exact in F32, and a plain Llama 2
 *   small Q8_0 model parts the same way on other token sequences than its
 *   golden prompt (exactness above holds on these prompts, not on every
 *   sequence; docs/adr/0021). The rounding is not found yet.
 */
type Check = 'exact' | 'float' | 'exactUntilFlip' | 'withinSpread';
const CHECKS: Record<string, Check> = {
  'micro f32': 'exact',
  'small f32': 'float',
  'small f16': 'float',
  'small q8_0': 'exact',
  'small q4_0': 'exact',
  'small q4_k_m': 'exactUntilFlip',
  'kquant q4_k_m': 'exact',
  'kquant q6_k': 'exact',
  'kquant q5_k_m': 'exact',
  'smollm2 small q8_0': 'withinSpread',
  'qwen3 micro f32': 'exact',
  'qwen3 small q8_0': 'withinSpread',
  'qwen3 kquant q4_k_m': 'withinSpread',
  'phi3 micro f32': 'withinSpread',
  'phi3 small q4_0': 'withinSpread',
  'qwen2 micro f32': 'exact',
  'qwen2 small q8_0': 'withinSpread',
  'llama3 micro f32': 'exact',
  'llama3 small q4_0': 'withinSpread',
};
const FLOAT = 1e-2;
const LLAMA_CPP_SPREAD = 0.25;
const WITHIN_SPREAD_MEDIAN = 0.1;
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe.skipIf(!have)(`parity with llama.cpp (node-llama-cpp 3.21.1 goldens) on synthetic models${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  const all = [...goldens.models, ...architectures.models];
  const backendsFor = (g: Golden) => [jsBackend, wasmBackend, ...(webgpuHere && g.arch ? [webgpu] : [])];
  const cases = all.flatMap((g) => backendsFor(g).map((backend) => [`${nameOf(g)} seed ${g.seed} on the ${backend.name} backend (${checkFor(g)})`, g, backend] as const));
  it.each(cases)('%s', async (_name, g, backend) => {
    const vocab = await readGguf(await fileSource(fixturePath(g.vocab ?? 'llama-spm-vocab/ggml-vocab-llama-spm.gguf')));
    const synthesized = synthesizeLlama({ arch: g.arch ?? 'llama', shape: SYNTHETIC_SHAPES[g.shape], dtype: g.dtype, seed: g.seed, vocab });
    const bytes = Buffer.concat([synthesized.header, ...Array.from(synthesized.chunks(), (c) => c.bytes)]);
    // the very file llama.cpp read
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(g.sha256);

    const engine = await loadModel(bytesSource(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)), { backend, contextSize: 128 });
    expect(engine.tokenizer.encode(goldens.prompt_text)).toEqual(g.prompt);
    // the architecture is what the file says, not a llama fallback
    expect(engine.model.config.qkNorm ?? false).toBe(g.arch === 'qwen3');

    // teacher-forced in one batch, as llama.cpp scored it
    const s = await score(engine, [...g.prompt, ...g.gen]);
    const differences = s.logprobs.map((lp, i) => Math.abs(lp - g.positions[i]!.next_logprob));
    const shown = differences.map((d) => d.toFixed(4)).join(' ');
    const check = checkFor(g);
    const exact = engine.model.backend.info.numerics.logProbTolerance;
    if (check === 'exact') expect(Math.max(...differences), shown).toBeLessThan(exact);
    if (check === 'float') expect(Math.max(...differences), shown).toBeLessThan(FLOAT);
    if (check === 'withinSpread') {
      expect(median(differences), shown).toBeLessThan(WITHIN_SPREAD_MEDIAN);
      expect(Math.max(...differences), shown).toBeLessThan(LLAMA_CPP_SPREAD);
    }
    if (check === 'exactUntilFlip') {
      expect(median(differences), shown).toBeLessThan(exact);
      expect(Math.max(...differences), shown).toBeLessThan(LLAMA_CPP_SPREAD);
    }
    // greedy: along llama.cpp's path, our argmax is llama.cpp's token (but for a near tie where not exact)
    s.top1.forEach((top, i) => {
      const [[best, bestLp], [, secondLp]] = g.positions[i]!.top5 as [[number, number], [number, number]];
      if (top !== best) {
        expect(check, `position ${i}: top1 ${top}, llama.cpp ${best}`).not.toBe('exact');
        expect(bestLp - secondLp, `position ${i}: top1 ${top}, llama.cpp ${best}`).toBeLessThan(check === 'float' ? FLOAT : LLAMA_CPP_SPREAD);
      }
    });
    // llama.cpp's greedy run decoded token by token (its one-row kernels), so it can part from its own batched argmax at a near tie
    const genTop1 = s.top1.slice(g.prompt.length - 1);
    expect(genTop1.filter((t, i) => t !== g.gen[i]).length).toBeLessThanOrEqual(check === 'exact' ? 1 : 2);
    engine.dispose();
    await vocab.source.close();
  });
});

/** `small q4_0`, or `qwen3 small q8_0` for an architecture other than llama. */
const nameOf = (g: Golden) => `${g.arch ? `${g.arch} ` : ''}${g.shape} ${g.dtype}`;

function checkFor(g: Golden): Check {
  const check = CHECKS[nameOf(g)];
  if (!check) throw new Error(`no parity check chosen for ${nameOf(g)}`);
  return check;
}
