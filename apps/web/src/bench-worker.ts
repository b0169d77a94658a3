import { WasmBackend } from '@llamita/backend-wasm';
import { LlamitaError } from '@llamita/core';
import { benchmark, loadModel } from 'llamita';
import type { BenchReply, BenchRequest } from './bench-protocol.js';

const reply = (message: BenchReply) => postMessage(message);

async function run(request: BenchRequest): Promise<void> {
  const backend = await WasmBackend.create({ threads: request.threads });
  const loadStart = performance.now();
  const engine = await loadModel(request.model, { backend, contextSize: request.promptTokens + request.genTokens });
  const loadMs = Math.round(performance.now() - loadStart);
  reply({ type: 'progress', text: `Loaded in ${loadMs} ms on ${backend.info.description}; measuring…` });
  const r = await benchmark(engine, {
    promptTokens: request.promptTokens,
    genTokens: request.genTokens,
    repeats: request.repeats,
    onRun: (run) => reply({ type: 'progress', text: `run ${run.index + 1}/${request.repeats}: prefill ${run.prefillTokS} tok/s, decode ${run.decodeTokS} tok/s` }),
  });
  reply({
    type: 'result',
    result: {
      engine: 'llamita (browser)',
      backend_info: backend.info.description,
      threads: backend.threads,
      cross_origin_isolated: self.crossOriginIsolated,
      load_ms: loadMs,
      prompt_tokens: r.promptTokens,
      gen_tokens: r.genTokens,
      repeats: r.repeats,
      prefill_tok_s: r.prefillTokS,
      decode_tok_s: r.decodeTokS,
      prefill_spread: r.prefillSpread,
      decode_spread: r.decodeSpread,
    },
  });
  engine.dispose();
}

onmessage = (event: MessageEvent<BenchRequest>) => {
  run(event.data).catch((e: unknown) => {
    const error = LlamitaError.is(e) ? e : new LlamitaError('E_INVALID_ARGUMENT', String((e as Error).message ?? e));
    reply({ type: 'error', error: error.toJSON() });
  });
};
