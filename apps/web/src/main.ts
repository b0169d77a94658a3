import { LlamitaError } from '@llamita/core';
import { createWorkerEngine, type WorkerEngine } from 'llamita/worker';
import type { BackendName } from './protocol.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLParagraphElement>('status');
const output = $<HTMLPreElement>('output');
const button = $<HTMLButtonElement>('generate');
const stop = $<HTMLButtonElement>('stop');
let generation: AbortController | undefined;

/** The worker's backends to try for a choice: `auto` is WebGPU on a GPU, else WebAssembly, else the reference backend. */
const BACKENDS: Record<BackendName, string[]> = { auto: ['webgpu-gpu', 'wasm', 'js'], webgpu: ['webgpu'], wasm: ['wasm'], js: ['js'] };

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
let engine: WorkerEngine | undefined;

const showError = (e: unknown) => {
  // the worker's error code comes across the boundary: a stop is E_ABORTED
  status.textContent = LlamitaError.is(e) ? `${e.code === 'E_ABORTED' ? 'Stopped' : 'Error'} [${e.code}]: ${e.message}` : `Error: ${String(e)}`;
  button.disabled = false;
  stop.disabled = true;
};

stop.addEventListener('click', () => generation?.abort());

$<HTMLInputElement>('model').addEventListener('change', (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (!file) return;
  button.disabled = true;
  void (async () => {
    await engine?.dispose();
    engine = await createWorkerEngine(
      worker,
      { model: file, backends: BACKENDS[$<HTMLSelectElement>('backend').value as BackendName], contextSize: 2048 },
      { onProgress: (p) => (status.textContent = `Loading… ${Math.round((100 * p.loaded) / Math.max(1, p.total))}%`) },
    );
    const { name, description } = engine.backendChoice;
    status.textContent = `Loaded ${file.name}: on the ${name} backend: ${description}.`;
    button.disabled = false;
  })().catch(showError);
});

button.addEventListener('click', () => {
  if (!engine) return;
  const running = engine;
  button.disabled = true;
  stop.disabled = false;
  output.textContent = '';
  status.textContent = 'Generating…';
  generation = new AbortController();
  const { signal } = generation;
  void (async () => {
    const session = await running.createSession();
    const options = { maxTokens: Number($<HTMLInputElement>('max-tokens').value), temperature: Number($<HTMLInputElement>('temperature').value), seed: 0, signal };
    try {
      for await (const step of session.generate($<HTMLTextAreaElement>('prompt').value, options)) output.textContent += step.text;
      const { stats } = await session.state();
      status.textContent = `Done: ${stats.generatedTokens} tokens, ${(stats.generatedTokens / (stats.decodeMs / 1000 || 1)).toFixed(1)} tok/s.`;
      button.disabled = false;
      stop.disabled = true;
    } finally {
      await session.dispose();
    }
  })().catch(showError);
});
