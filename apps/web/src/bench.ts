import type { BenchReply, BenchRequest } from './bench-protocol.js';

const status = document.getElementById('status')!;
const result = document.getElementById('result')!;
const params = new URLSearchParams(location.search);
const number = (name: string, fallback: number) => (params.has(name) ? Number(params.get(name)) : fallback);

const model = params.get('model');
if (!model) {
  status.textContent = 'Give a model: ?model=URL of a GGUF file (served with range requests).';
} else {
  const request: BenchRequest = {
    type: 'bench',
    model: new URL(model, location.href).href,
    threads: number('threads', navigator.hardwareConcurrency),
    promptTokens: number('prompt', 128),
    genTokens: number('gen', 64),
    repeats: number('repeats', 3),
  };
  const worker = new Worker(new URL('./bench-worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (event: MessageEvent<BenchReply>) => {
    const m = event.data;
    if (m.type === 'progress') status.textContent = m.text;
    else if (m.type === 'error') status.textContent = `Error [${m.error.code}]: ${m.error.message}`;
    else {
      status.textContent = 'Done.';
      result.textContent = JSON.stringify(m.result, null, 2);
    }
  };
  status.textContent = `Loading ${request.model}…`;
  worker.postMessage(request);
}
