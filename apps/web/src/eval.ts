import { TASKS } from '@llamita/eval';
import type { EvalReply, EvalRequest } from './eval-protocol.js';

const status = document.getElementById('status')!;
const progress = document.getElementById('progress') as HTMLProgressElement;
const table = document.getElementById('results')!;
const result = document.getElementById('result')!;
const params = new URLSearchParams(location.search);
const absolute = (name: string) => (params.has(name) ? new URL(params.get(name)!, location.href).href : undefined);

const model = absolute('model');
const data = absolute('data');
const task = params.get('task');
if (!model || !data || !task) {
  status.textContent = `Give a model, a task and its data: ?model=URL&task=NAME&data=URL (tasks: ${[...TASKS.keys()].join(', ')}).`;
} else {
  const request: EvalRequest = {
    type: 'eval',
    model,
    task,
    data,
    labels: absolute('labels'),
    limit: params.has('limit') ? Number(params.get('limit')) : undefined,
    threads: params.has('threads') ? Number(params.get('threads')) : navigator.hardwareConcurrency,
    contextSize: params.has('ctx') ? Number(params.get('ctx')) : 2048,
    kvType: params.get('kv') === 'f32' ? 'f32' : 'f16',
  };
  const worker = new Worker(new URL('./eval-worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (event: MessageEvent<EvalReply>) => {
    const m = event.data;
    if (m.type === 'progress') {
      status.textContent = m.text;
      progress.max = m.total;
      progress.value = m.done;
    } else if (m.type === 'error') status.textContent = `Error [${m.error.code}]: ${m.error.message}`;
    else {
      status.textContent = `Done: ${m.result.n} items in ${(m.result.elapsedMs / 1000).toFixed(1)} s on ${m.backend}.`;
      for (const [metric, value] of Object.entries(m.result.metrics)) {
        const row = table.appendChild(document.createElement('tr'));
        for (const cell of [m.result.task, metric, value.value.toFixed(4), value.stderr.toFixed(4), String(m.result.n)]) row.appendChild(document.createElement('td')).textContent = cell;
      }
      result.textContent = JSON.stringify(m.result);
    }
  };
  status.textContent = `Loading ${model}…`;
  worker.postMessage(request);
}
