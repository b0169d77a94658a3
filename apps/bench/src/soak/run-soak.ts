/**
 * A soak of one engine: many generations of random length with random
 * sampling settings; sessions created, saved, restored and disposed among
 * them; the model moved to another backend and back; and generations aborted
 * at random moments (before the first token, mid-reply, between tokens, from
 * another generation's completion). Every greedy generation of a fixed
 * prompt is compared with its first run; memory is sampled after warm-up.
 * Shared by the bounded test (../soak.test.ts) and the benchmark (../soak.ts).
 */
import { JsBackend } from '@llamita/backend-js';
import { WasmBackend } from '@llamita/backend-wasm';
import { createWebGpuBackendFactory, type WebGpuBackend } from '@llamita/backend-webgpu';
import { dawnGpu } from '@llamita/backend-webgpu/node';
import { LlamitaError, type Backend } from '@llamita/core';
import { fileSource } from '@llamita/model/node';
import { Prng } from '@llamita/sampling';
import { loadModel, type Engine, type GenerateOptions, type Session } from 'llamita';

/** Options of {@link runSoak}. */
export interface SoakOptions {
  /** A GGUF on disk. */
  readonly model: string;
  /** The engine's backend; the model is moved to another one and back every `moveEvery` generations (wasm: to js; js and webgpu: to wasm). WebGPU runs on Dawn (SwiftShader where no GPU driver is configured). */
  readonly backend: 'wasm' | 'js' | 'webgpu';
  readonly generations: number;
  /** One in this many generations is aborted. */
  readonly abortOneIn: number;
  readonly moveEvery: number;
  /** Generations before memory is first sampled. */
  readonly warmUp: number;
  readonly seed: number;
}

/** One memory sample. */
export interface MemorySample {
  readonly generation: number;
  readonly rssMb: number;
  readonly heapMb: number;
  /** The wasm backend's memory and its live bytes (when the engine is on wasm). */
  readonly wasmMemoryMb?: number;
  readonly wasmLiveMb?: number;
  /** The WebGPU backend's live GPU buffers and their size (when the engine is on webgpu). */
  readonly gpuBuffers?: number;
  readonly gpuMb?: number;
}

/** What the soak did and found. */
export interface SoakReport {
  readonly backend: string;
  readonly generations: number;
  /** Generations by what happened: finished, aborted (E_ABORTED), or aborted too late to stop it (finished). */
  readonly outcomes: Record<string, number>;
  /** Sessions saved and restored, and moves between backends. */
  readonly restores: number;
  readonly moves: number;
  /** Greedy generations of the fixed prompts compared with their first run, and how many differed. */
  readonly greedyChecks: number;
  readonly greedyMismatches: number;
  /** Errors other than aborts (must be none). */
  readonly errors: string[];
  readonly memory: readonly MemorySample[];
  /** Least-squares slope of each memory figure after warm-up, in MB per 1,000 generations. */
  readonly slopePerThousand: Record<string, number>;
  readonly seconds: number;
}

const mb = (bytes: number) => +(bytes / 1e6).toFixed(3);

function slope(points: readonly [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : +((sxy / sxx) * 1000).toFixed(3);
}

/** Runs a generation to its end; ids of what it generated. */
async function ids(session: Session, prompt: readonly number[], options: GenerateOptions): Promise<number[]> {
  const out: number[] = [];
  for await (const step of session.generate(prompt, options)) if (step.id >= 0) out.push(step.id);
  return out;
}

/** Runs the soak; see the module comment. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const started = performance.now();
  const rng = new Prng(options.seed);
  const int = (n: number) => Math.floor(rng.next() * n);
  const wasm = await WasmBackend.create({ threads: 2 });
  const js = new JsBackend();
  const gpu = options.backend === 'webgpu' ? ((await createWebGpuBackendFactory({ gpu: dawnGpu, allowSoftwareAdapter: true }).create()) as WebGpuBackend) : undefined;
  const [home, away]: [Backend, Backend] = options.backend === 'wasm' ? [wasm, js] : [gpu ?? js, wasm];
  const engine: Engine = await loadModel(await fileSource(options.model), { backend: home, contextSize: 256 });
  const vocab = engine.model.config.vocabSize;
  const prompt = (length: number) => [1, ...Array.from({ length }, () => 2 + int(vocab - 2))];
  // the fixed prompts whose greedy continuation must never change
  const fixed = [prompt(5), prompt(40), prompt(120)];
  const firstRuns = new Map<number, number[]>();
  const outcomes: Record<string, number> = {};
  const errors: string[] = [];
  const memory: MemorySample[] = [];
  let [restores, moves, greedyChecks, greedyMismatches] = [0, 0, 0, 0];
  const count = (key: string) => (outcomes[key] = (outcomes[key] ?? 0) + 1);

  /** Runs one generation that may be aborted; counts how it ended. */
  const guarded = async (run: () => Promise<unknown>) => {
    try {
      await run();
      count('finished');
    } catch (e) {
      if (LlamitaError.is(e) && e.code === 'E_ABORTED') count('aborted');
      else errors.push(String(e));
    }
  };

  const randomSettings = (): GenerateOptions => ({
    temperature: [0.5, 0.8, 1.2][int(3)]!,
    topK: [0, 10, 40][int(3)]!,
    topP: [1, 0.9, 0.95][int(3)]!,
    minP: [0, 0.05, 0.1][int(3)]!,
    repeatPenalty: [1, 1.1][int(2)]!,
    seed: int(1 << 30),
    maxTokens: 1 + int(48),
    stopAtEos: false,
  });

  for (let g = 1; g <= options.generations; g++) {
    const session = engine.createSession();
    try {
      if (g % options.moveEvery === 0) {
        await engine.moveTo(away);
        await ids(session, prompt(1 + int(30)), { ...randomSettings(), maxTokens: 4 });
        await engine.moveTo(home);
        moves++;
      }
      if (int(options.abortOneIn) === 0) {
        const abort = new AbortController();
        const how = int(3);
        if (how === 0) {
          // at a random moment: before the prompt is read, during it, or mid-reply
          const timer = setTimeout(() => abort.abort(), int(30));
          await guarded(() => ids(session, prompt(1 + int(150)), { ...randomSettings(), maxTokens: 64, signal: abort.signal }));
          clearTimeout(timer);
        } else if (how === 1) {
          // between tokens: after the k-th
          const k = 1 + int(20);
          await guarded(async () => {
            let seen = 0;
            for await (const step of session.generate(prompt(1 + int(60)), { ...randomSettings(), maxTokens: 64, signal: abort.signal })) if (step.id >= 0 && ++seen === k) abort.abort();
          });
        } else {
          // from another generation's completion: a short one ends, and aborts this one, queued behind it or running
          const other = engine.createSession();
          const short = ids(other, prompt(3), { ...randomSettings(), maxTokens: 2 }).finally(() => abort.abort());
          await Promise.all([short, guarded(() => ids(session, prompt(1 + int(60)), { ...randomSettings(), maxTokens: 64, signal: abort.signal }))]);
          other.dispose();
        }
      } else if (int(4) === 0) {
        // a fixed prompt, greedy: the same ids every time
        const which = int(fixed.length);
        const got = await ids(session, fixed[which]!, { temperature: 0, maxTokens: 16, stopAtEos: false });
        const first = firstRuns.get(which);
        if (first === undefined) firstRuns.set(which, got);
        else {
          greedyChecks++;
          if (got.join() !== first.join()) greedyMismatches++;
        }
        count('finished');
      } else if (int(5) === 0) {
        // a session saved mid-conversation, restored, and continued
        await ids(session, prompt(1 + int(60)), randomSettings());
        const restored = await engine.restoreSession(await engine.saveSession(session));
        await ids(restored, [...restored.tokens, ...prompt(4).slice(1)], randomSettings());
        restored.dispose();
        restores++;
        count('finished');
      } else {
        await ids(session, prompt(int(100)), randomSettings());
        count('finished');
      }
    } catch (e) {
      errors.push(`generation ${g}: ${String(e)}`);
    } finally {
      session.dispose();
    }
    if (g >= options.warmUp && (g === options.warmUp || g % 50 === 0 || g === options.generations)) {
      (globalThis as { gc?: () => void }).gc?.();
      const usage = process.memoryUsage();
      memory.push({
        generation: g,
        rssMb: mb(usage.rss),
        heapMb: mb(usage.heapUsed),
        ...(home === wasm && { wasmMemoryMb: mb(wasm.memoryBytes), wasmLiveMb: mb(wasm.liveBytes) }),
        ...(gpu && { gpuBuffers: gpu.liveBuffers, gpuMb: mb(gpu.liveBytes) }),
      });
    }
  }
  engine.dispose();
  wasm.dispose();
  js.dispose();
  gpu?.dispose();
  const keys = ['rssMb', 'heapMb', 'wasmMemoryMb', 'wasmLiveMb', 'gpuBuffers', 'gpuMb'] as const;
  const slopePerThousand = Object.fromEntries(keys.filter((k) => memory[0]?.[k] !== undefined).map((k) => [k, slope(memory.map((s) => [s.generation, s[k]!] as [number, number]))]));
  return {
    backend: home.info.name,
    generations: options.generations,
    outcomes,
    restores,
    moves,
    greedyChecks,
    greedyMismatches,
    errors,
    memory,
    slopePerThousand,
    seconds: +((performance.now() - started) / 1000).toFixed(1),
  };
}
