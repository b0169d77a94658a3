// The worker side of worker.test.ts: an engine in a Node worker thread, from the built packages.
import { parentPort } from 'node:worker_threads';
import { jsBackend } from '@llamita/backend-js';
import { wasmBackend } from '@llamita/backend-wasm';
import { fileSource } from '@llamita/model/node';
import { exposeEngine, nodeEndpoint } from 'llamita/worker';

exposeEngine(nodeEndpoint(parentPort), { backends: { js: jsBackend, wasm: wasmBackend }, open: fileSource });
