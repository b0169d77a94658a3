import type { BackendName, Reply, Request } from './protocol.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $<HTMLParagraphElement>('status');
const output = $<HTMLPreElement>('output');
const button = $<HTMLButtonElement>('generate');

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
const send = (request: Request) => worker.postMessage(request);

worker.onmessage = (event: MessageEvent<Reply>) => {
  const m = event.data;
  switch (m.type) {
    case 'progress':
      status.textContent = `Loading… ${Math.round((100 * m.loaded) / Math.max(1, m.total))}%`;
      break;
    case 'loaded':
      status.textContent = `Loaded ${m.description}.`;
      button.disabled = false;
      break;
    case 'token':
      output.textContent += m.text;
      break;
    case 'done':
      status.textContent = `Done: ${m.tokens} tokens, ${m.decodeTokS.toFixed(1)} tok/s.`;
      button.disabled = false;
      break;
    case 'error':
      status.textContent = `Error [${m.error.code}]: ${m.error.message}`;
      button.disabled = false;
      break;
  }
};

$<HTMLInputElement>('model').addEventListener('change', (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (!file) return;
  button.disabled = true;
  send({ type: 'load', file, backend: $<HTMLSelectElement>('backend').value as BackendName });
});

button.addEventListener('click', () => {
  button.disabled = true;
  output.textContent = '';
  status.textContent = 'Generating…';
  send({
    type: 'generate',
    prompt: $<HTMLTextAreaElement>('prompt').value,
    options: { maxTokens: Number($<HTMLInputElement>('max-tokens').value), temperature: Number($<HTMLInputElement>('temperature').value), seed: 0 },
  });
});
