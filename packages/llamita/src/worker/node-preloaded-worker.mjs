// The worker side of worker.test.ts's preloaded engine: the worker opens its model itself
// (the path in workerData; a missing one fails), as `llamita serve` does, from the built packages.
import { parentPort, workerData } from 'node:worker_threads';
import { jsBackend } from '@llamita/backend-js';
import { fileSource } from '@llamita/model/node';
import { loadModel } from 'llamita';
import { exposeEngine, nodeEndpoint } from 'llamita/worker';

const engine = fileSource(workerData).then((source) => loadModel(source, { backend: jsBackend, contextSize: 256 }));
exposeEngine(nodeEndpoint(parentPort), { backends: { js: jsBackend }, engine });
