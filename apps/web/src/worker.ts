import { jsBackend } from '@llamita/backend-js';
import { wasmBackend } from '@llamita/backend-wasm';
import { createWebGpuBackendFactory } from '@llamita/backend-webgpu';
import { LlamitaError, type BackendFactory } from '@llamita/core';
import { loadModel, type Engine } from 'llamita';
import type { BackendName, Reply, Request } from './protocol.js';

let engine: Engine | undefined;

/** WebGPU asked for by name takes a software adapter too (SwiftShader); `auto` only a GPU's. */
const webgpu = createWebGpuBackendFactory({ allowSoftwareAdapter: true });
const webgpuOnHardware = createWebGpuBackendFactory();

/** The backend asked for; for `auto`, WebGPU on a GPU, else WebAssembly SIMD where the browser has it, else the reference backend. */
async function pickBackend(name: BackendName): Promise<BackendFactory> {
  if (name !== 'auto') return { webgpu, wasm: wasmBackend, js: jsBackend }[name];
  for (const candidate of [webgpuOnHardware, wasmBackend]) if ((await candidate.probe()).ok) return candidate;
  return jsBackend;
}
const reply = (message: Reply) => postMessage(message);

async function handle(request: Request): Promise<void> {
  if (request.type === 'load') {
    engine?.dispose();
    const backend = await pickBackend(request.backend);
    engine = await loadModel(request.file, { backend, contextSize: 2048, onProgress: (p) => reply({ type: 'progress', loaded: p.loaded, total: p.total }) });
    const c = engine.model.config;
    reply({ type: 'loaded', description: `${request.file.name}: ${c.nLayers} layers, dim ${c.dim}, vocab ${c.vocabSize}, on the ${backend.name} backend: ${engine.model.backend.info.description}` });
    return;
  }
  if (!engine) throw new LlamitaError('E_INVALID_ARGUMENT', 'load a model first');
  for await (const step of engine.generate(request.prompt, request.options)) reply({ type: 'token', text: step.text });
  const s = engine.stats;
  reply({ type: 'done', tokens: s.generatedTokens, decodeTokS: s.generatedTokens / (s.decodeMs / 1000 || 1) });
}

onmessage = (event: MessageEvent<Request>) => {
  handle(event.data).catch((e: unknown) => {
    const error = LlamitaError.is(e) ? e : new LlamitaError('E_INVALID_ARGUMENT', String((e as Error).message ?? e));
    reply({ type: 'error', error: error.toJSON() });
  });
};
