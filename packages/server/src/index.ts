/**
 * An OpenAI-compatible HTTP server for a llamita engine: `createApp` (a Hono
 * app, any runtime) and `listen` (Node). Safe by default: loopback only,
 * other hosts and origins refused, an optional API key.
 *
 * ```ts
 * import { listen } from '@llamita/server';
 * const server = await listen(engine, { port: 8080, apiKey: 'secret' });
 * ```
 * @packageDocumentation
 */
export { createApp, type AppOptions, type LlamitaApp, type ServedEngine } from './app.js';
export { listen, type ListenOptions, type RunningServer } from './listen.js';
export { guard, type GuardOptions } from './guard.js';
export { apiError, errorFor, type ApiError, type ApiErrorBody } from './errors.js';
