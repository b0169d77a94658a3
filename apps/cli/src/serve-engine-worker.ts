/**
 * The thread `llamita serve` runs its model in: it opens the engine as any
 * command does (download, backend, progress on stderr) and serves it over
 * `llamita/worker`'s protocol, so the server's HTTP loop never waits for the
 * model. A usage error is sent as `E_INVALID_ARGUMENT` marked `usage`, for
 * the main thread to report as one.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LlamitaError } from '@llamita/core';
import { exposeEngine, nodeEndpoint } from 'llamita/worker';
import { UsageError } from './cli-error.js';
import { openEngine, type EngineArgs } from './open-engine.js';
import { enableRelaxedSimd } from './relaxed-simd.js';

enableRelaxedSimd();
const opening = openEngine(workerData as EngineArgs).catch((e: unknown) => {
  throw e instanceof UsageError ? new LlamitaError('E_INVALID_ARGUMENT', e.message, { usage: true }) : e;
});
exposeEngine(nodeEndpoint(parentPort!), { backends: {}, engine: opening });
