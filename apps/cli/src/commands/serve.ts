import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { LlamitaError } from '@llamita/core';
import { listen } from '@llamita/server';
import { connectWorkerEngine, nodeEndpoint, type WorkerEngine } from 'llamita/worker';
import { UsageError } from '../cli-error.js';
import { ENGINE_FLAGS, ENGINE_HELP, engineArgsFromFlags } from '../engine-flags.js';
import type { EngineArgs } from '../open-engine.js';
import { intFlag, joinNegativeValues } from '../options.js';

export const serveHelp = `llamita serve --model FILE|URL|hf:OWNER/REPO/FILE|DIR [options]

An OpenAI-compatible HTTP server: GET /health, GET /v1/models,
POST /v1/chat/completions, POST /v1/completions (stream: true for
server-sent events). Sampling defaults are llama.cpp's; a request may also
send llama.cpp's fields (top_k, min_p, repeat_penalty, ...). Requests take
turns on the model, which runs in a thread of its own (the server keeps\naccepting and answering while it works); each request reuses the prompt\nprefix it shares with the one before.
  --host ADDR        address to bind (default 127.0.0.1: this machine only)
  --port N           port (default 8080; 0 picks a free one)
  --api-key KEY      require "Authorization: Bearer KEY" (or set LLAMITA_API_KEY)
  --cors ORIGIN      let pages of ORIGIN (e.g. https://app.example, or *) call
                     the server; repeatable. Other origins and hosts are refused
  --max-queue N      requests waiting beyond the one running (default 16; 429 beyond)
  --max-body BYTES   largest request body (default 1048576; 413 beyond)
${ENGINE_HELP}

SIGINT or SIGTERM stops accepting, gives requests in flight 5 s to finish,
aborts the rest and exits 0.`;

/** `llamita serve`. */
export async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: joinNegativeValues(argv),
    options: {
      ...ENGINE_FLAGS,
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
      'api-key': { type: 'string' },
      cors: { type: 'string', multiple: true },
      'max-queue': { type: 'string' },
      'max-body': { type: 'string' },
    },
  });
  const port = intFlag('port', values.port, 8080, 0, 65535);
  const maxQueue = intFlag('max-queue', values['max-queue'], 16, 0, 4096);
  const maxBodyBytes = intFlag('max-body', values['max-body'], 1 << 20, 1024, 1 << 30);
  const apiKey = values['api-key'] ?? process.env['LLAMITA_API_KEY'];
  const { engine, thread } = await openEngineThread(engineArgsFromFlags(values, true));
  const server = await listen(engine, { host: values.host, port, maxQueue, maxBodyBytes, corsOrigins: values.cors ?? [], ...(apiKey && { apiKey }) });
  process.stderr.write(`llamita: serving ${engine.modelName} on ${server.url} (OpenAI-compatible: ${server.url}/v1)\n`);
  let [stopping, threadEnded] = [false, false];
  await new Promise<void>((resolve) => {
    const stop = (why: string) => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`llamita: ${why}, stopping\n`);
      void server.close().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    // the model's thread died (a crash, memory): requests would wait for it forever, so the server stops, exit code 1
    thread.once('exit', (code) => {
      // after a signal, serve ends the thread itself
      if (stopping) return;
      threadEnded = true;
      process.exitCode = 1;
      stop(`the model's thread ended (exit code ${code})`);
    });
  });
  // a dead thread answers no dispose call
  if (!threadEnded) await engine.dispose();
  await thread.terminate();
}

/**
 * Opens the engine in a worker thread (serve-engine-worker.ts): generation
 * then never holds up the HTTP loop, which keeps accepting connections and
 * answering 429s and health checks while the model works.
 */
async function openEngineThread(args: EngineArgs): Promise<{ engine: WorkerEngine; thread: Worker }> {
  const thread = new Worker(new URL('./serve-engine-worker.js', import.meta.url), { workerData: args });
  const failed = new Promise<never>((_, reject) => thread.once('error', reject));
  // once connected, the thread's end is serve's to handle (its exit event), not an unhandled rejection
  failed.catch(() => undefined);
  try {
    return { engine: await Promise.race([connectWorkerEngine(nodeEndpoint(thread)), failed]), thread };
  } catch (e) {
    await thread.terminate();
    if (LlamitaError.is(e) && e.details?.['usage'] === true) throw new UsageError(e.message);
    throw e;
  }
}
