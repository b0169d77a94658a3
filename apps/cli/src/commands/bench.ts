import { parseArgs } from 'node:util';
import { ProfilingBackend, type Backend, type OpTiming } from '@llamita/core';
import { WebGpuBackend } from '@llamita/backend-webgpu';
import { UsageError } from '../cli-error.js';
import { openEngine } from '../open-engine.js';
import { parseDecodeShape, parseTile } from '../backends.js';
import { benchmark } from 'llamita';
import { intFlag, joinNegativeValues } from '../options.js';

export const benchHelp = `llamita bench --model FILE [--backend auto|webgpu|wasm|js] [--threads N] [--plain-simd] [--profile] [--webgpu-tile MTxNT/RMxRN] [--webgpu-decode TxR/U] [--webgpu-float-dot] [--webgpu-prepared-x] [--webgpu-no-split-attention] [--webgpu-no-subgroups] [--prompt-tokens 128] [--gen-tokens 64] [--repeats 3] [--json]

Measures prefill (the prompt in one batch) and decode (greedy, one token at a
time) speed, as the median of --repeats runs from an empty cache, with the spread.
Prompt ids are fixed (BOS, then a deterministic walk over the vocabulary).
--threads N sets the wasm backend's threads (default: every hardware thread);
--plain-simd keeps it on the plain SIMD128 kernels where relaxed SIMD exists.
--profile times each op of the last repeat (ms per kind of op, prefill and
decode apart); running op by op makes those repeats a little slower. On
webgpu the times are GPU times from timestamp queries, one pass per dispatch.
--webgpu-tile sets webgpu's prefill matmul tile, for tuning (e.g. 64x64/4x4:
64 rows by 64 outputs a workgroup, 4x4 products a thread; default: the largest
of 64x128/4x8, 64x64/4x4, 32x64/2x4 the device's workgroup memory holds).
--webgpu-decode sets the decode matmul's workgroup, for tuning (e.g. 16x16/4:
16 threads per output, 16 outputs, 4 weight blocks loaded at once; default:
chosen per matmul). --webgpu-float-dot decodes Q4_0, Q5_0 and Q8_0 weights to
f32 instead of the integer dot, --webgpu-prepared-x quantizes each decode
matmul's x once in a dispatch of its own instead of in every workgroup (an
experiment), --webgpu-no-split-attention runs decode attention one workgroup
per head instead of split over the cache, and --webgpu-no-subgroups sums without subgroup operations, for comparison.`;

/** `llamita bench`. */
export async function bench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: joinNegativeValues(argv),
    options: {
      model: { type: 'string' },
      backend: { type: 'string' },
      threads: { type: 'string' },
      'prompt-tokens': { type: 'string' },
      'gen-tokens': { type: 'string' },
      repeats: { type: 'string' },
      json: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'plain-simd': { type: 'boolean', default: false },
      'webgpu-tile': { type: 'string' },
      'webgpu-decode': { type: 'string' },
      'webgpu-float-dot': { type: 'boolean', default: false },
      'webgpu-prepared-x': { type: 'boolean', default: false },
      'webgpu-no-split-attention': { type: 'boolean', default: false },
      'webgpu-no-subgroups': { type: 'boolean', default: false },
    },
  });
  if (!values.model) throw new UsageError('--model is required');
  const promptTokens = intFlag('prompt-tokens', values['prompt-tokens'], 128, 1, 8192);
  const genTokens = intFlag('gen-tokens', values['gen-tokens'], 64, 1, 8192);
  const repeats = intFlag('repeats', values.repeats, 3, 1, 100);
  const threads = values.threads === undefined ? undefined : intFlag('threads', values.threads, 1, 1, 64);
  const engine = await openEngine({
    model: values.model,
    backend: values.backend,
    contextSize: promptTokens + genTokens,
    profile: values.profile,
    plainSimd: values['plain-simd'],
    ...(threads !== undefined && { threads }),
    webgpuTuning: {
      ...(values['webgpu-tile'] !== undefined && { prefillTile: parseTile(values['webgpu-tile']) }),
      ...(values['webgpu-decode'] !== undefined && { decodeShape: parseDecodeShape(values['webgpu-decode']) }),
      ...(values['webgpu-float-dot'] && { integerDot: false }),
      ...(values['webgpu-prepared-x'] && { preparedX: true }),
      ...(values['webgpu-no-split-attention'] && { splitAttention: false }),
      ...(values['webgpu-no-subgroups'] && { subgroups: false }),
    },
  });
  const profiler = engine.model.backend instanceof ProfilingBackend ? engine.model.backend : undefined;
  const gpuProfiler = values.profile && engine.model.backend instanceof WebGpuBackend ? engine.model.backend.profiler : undefined;
  if (values.profile && !profiler && !gpuProfiler) process.stderr.write('--profile: this WebGPU adapter has no timestamp queries; no profile\n');
  const profile: { prefill: OpTiming[]; decode: OpTiming[] } = { prefill: [], decode: [] };
  const r = await benchmark(engine, {
    promptTokens,
    genTokens,
    repeats,
    // the profile of the last run: prefill's ops are read when decode starts, decode's when the run ends
    onPhase: (phase) => {
      if (phase === 'decode') profile.prefill = profiler?.report() ?? [];
      profiler?.reset();
      // GPU times arrive later: filed by phase, the last run's kept
      if (phase === 'prefill') gpuProfiler?.reset();
      gpuProfiler?.phase(phase);
    },
    onRun: ({ index, prefillTokS, decodeTokS }) => {
      profile.decode = profiler?.report() ?? [];
      if (!values.json) process.stderr.write(`run ${index + 1}/${repeats}: prefill ${prefillTokS} tok/s, decode ${decodeTokS} tok/s\n`);
    },
  });
  if (gpuProfiler) Object.assign(profile, { prefill: [], decode: [] }, await gpuProfiler.report());
  const backend = profiler?.inner ?? engine.model.backend;
  const result = {
    model: values.model,
    backend: backend.info.name,
    backend_info: backend.info.description,
    threads: threadsOf(backend),
    prompt_tokens: promptTokens,
    gen_tokens: genTokens,
    repeats,
    prefill_tok_s: r.prefillTokS,
    decode_tok_s: r.decodeTokS,
    prefill_spread: r.prefillSpread,
    decode_spread: r.decodeSpread,
    ...((profiler || gpuProfiler) && { profile: { prefill: perToken(profile.prefill, promptTokens), decode: perToken(profile.decode, genTokens) } }),
  };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      `${result.backend} (${result.threads} thread${result.threads > 1 ? 's' : ''}): prefill ${result.prefill_tok_s} tok/s (${result.prefill_spread.join('–')}), decode ${result.decode_tok_s} tok/s (${result.decode_spread.join('–')})\n`,
    );
    for (const [phase, rows] of Object.entries(result.profile ?? {})) {
      process.stdout.write(`${phase}, ms per token:\n`);
      for (const r of rows) process.stdout.write(`  ${r.ms_per_token.toFixed(3).padStart(9)}  ${String(r.calls).padStart(5)}×  ${r.key}\n`);
    }
  }
  engine.dispose();
}

/** Threads of a backend that has them (wasm), else 1. */
function threadsOf(backend: Backend): number {
  return 'threads' in backend && typeof backend.threads === 'number' ? backend.threads : 1;
}

/** Profile rows with time per token of the phase. */
function perToken(rows: readonly OpTiming[], tokens: number) {
  return rows.map((r) => ({ key: r.key, calls: r.calls, ms_per_token: Math.round((r.ms / tokens) * 1000) / 1000 }));
}
