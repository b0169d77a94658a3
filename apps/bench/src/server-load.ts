// The server under load (issue 18): CLIENTS concurrent clients for SECONDS against
// `llamita serve` on 127.0.0.1 (a mix of plain, streamed, aborted, slow-reading and
// disconnecting clients and bad bodies), then SIGTERM under load. Prints one JSON line.
// Run: pnpm build && pnpm --filter @llamita/bench server-load ../shared/fixtures/stories260K/stories260K.gguf [--clients 64] [--seconds 60] [--max-queue 16] [--max-tokens 32]
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runLoad } from './server-load/run-load.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    clients: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '60' },
    'max-queue': { type: 'string', default: '16' },
    'max-tokens': { type: 'string', default: '32' },
    backend: { type: 'string', default: 'wasm' },
  },
});
const model = positionals[0];
if (!model) throw new Error('usage: server-load MODEL.gguf [--clients 64] [--seconds 60] [--max-queue 16] [--max-tokens 32] [--backend wasm]');
const report = await runLoad({
  cli: fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url)),
  model: resolve(process.env.INIT_CWD ?? process.cwd(), model),
  clients: Number(values.clients),
  seconds: Number(values.seconds),
  maxQueue: Number(values['max-queue']),
  maxTokens: Number(values['max-tokens']),
  seed: 18,
  serveArgs: ['--backend', values.backend!],
});
console.log(JSON.stringify({ model, date: new Date().toISOString(), ...report }));
