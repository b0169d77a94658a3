import { WasmBackend } from '@llamita/backend-wasm';
import { LlamitaError } from '@llamita/core';
import { evaluateTask, taskByName } from '@llamita/eval';
import { loadModel } from 'llamita';
import type { EvalReply, EvalRequest } from './eval-protocol.js';

const reply = (message: EvalReply) => postMessage(message);

/** Fetches a data file as text, naming the URL when it cannot. */
async function text(url: string): Promise<string> {
  const response = await fetch(url).catch(() => {
    throw new LlamitaError('E_NETWORK', `could not fetch ${url} (offline, or its server does not send Access-Control-Allow-Origin)`);
  });
  if (!response.ok) throw new LlamitaError('E_NETWORK', `${url}: the server answered HTTP ${response.status}`);
  return response.text();
}

/** Minutes and seconds, for the time left. */
const clock = (ms: number) => `${Math.floor(ms / 60_000)}:${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}`;

async function run(request: EvalRequest): Promise<void> {
  const task = taskByName(request.task);
  const [data, labels] = await Promise.all([text(request.data), request.labels ? text(request.labels) : undefined]);
  const items = task.parse(data, request.data, labels === undefined ? {} : { labels });
  const backend = await WasmBackend.create({ threads: request.threads });
  const engine = await loadModel(request.model, { backend, contextSize: request.contextSize, kvType: request.kvType });
  try {
    const result = await evaluateTask(engine, task, items, {
      ...(request.limit !== undefined && { limit: request.limit }),
      onProgress: (p) => {
        const left = p.done > 0 ? (p.elapsedMs / p.done) * (p.total - p.done) : 0;
        const speed = Math.round(p.tokens / Math.max(p.elapsedMs / 1000, 1e-3));
        reply({ type: 'progress', text: `${p.done}/${p.total} items, ${speed} tokens/s, about ${clock(left)} left`, done: p.done, total: p.total });
      },
    });
    reply({ type: 'result', result, backend: backend.info.description });
  } finally {
    engine.dispose();
  }
}

onmessage = (event: MessageEvent<EvalRequest>) => {
  run(event.data).catch((e: unknown) => {
    const error = LlamitaError.is(e) ? e : new LlamitaError('E_INVALID_ARGUMENT', String((e as Error).message ?? e));
    reply({ type: 'error', error: error.toJSON() });
  });
};
