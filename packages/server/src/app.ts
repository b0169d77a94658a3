import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, Completion, CompletionChunk, CompletionRequest, RequestOptions } from 'llamita';
import { apiError, errorFor, type ApiError } from './errors.js';
import { guard, type GuardOptions } from './guard.js';

/** Options of {@link createApp}. */
export interface AppOptions extends Partial<GuardOptions> {
  /** Largest request body in bytes (default 1 MiB); larger ones get 413. */
  readonly maxBodyBytes?: number;
  /** Requests waiting for the model beyond the one it runs (default 16); more get 429. */
  readonly maxQueue?: number;
  /** Name of the model in `/v1/models` and responses (default: the engine's). */
  readonly modelName?: string;
}

/**
 * What the server needs of an engine: an `Engine`, or a `WorkerEngine`
 * (`llamita/worker`) whose model runs in another thread so that the HTTP loop
 * never waits for it.
 */
export interface ServedEngine {
  /** The model's name, as `/v1/models` lists it. */
  readonly modelName: string;
  /** The backend running it. */
  readonly backendChoice: {
    /** Its name, as `/health` shows it. */
    readonly name: string;
  };
  /** `engine.chat`. */
  readonly chat: {
    /** `engine.chat.completions`. */
    readonly completions: {
      /** A chat reply, or its chunks when `body.stream`; `options.signal` aborts it. */
      create(body: ChatCompletionRequest, options?: RequestOptions): Promise<ChatCompletion | AsyncIterable<ChatCompletionChunk>>;
    };
  };
  /** `engine.completions`. */
  readonly completions: {
    /** A text completion, or its chunks when `body.stream`; `options.signal` aborts it. */
    create(body: CompletionRequest, options?: RequestOptions): Promise<Completion | AsyncIterable<CompletionChunk>>;
  };
}

/** The app, and what a shutdown needs of it. */
export interface LlamitaApp {
  /** The Hono app: `app.fetch` serves a `Request`. */
  readonly app: Hono;
  /** Requests being served or waiting. */
  readonly inFlight: () => number;
  /** Aborts every generation in progress or waiting; new requests get 503. */
  readonly abortAll: () => void;
}

/**
 * An OpenAI-compatible API over one engine: `GET /health`, `GET /v1/models`,
 * `POST /v1/chat/completions`, `POST /v1/completions` (both streaming as
 * server-sent events with `stream: true`). Requests are validated and queue
 * for the model (bounded: 429 beyond); a client that goes away aborts its
 * generation. Errors are OpenAI-shaped bodies with a 4xx for the caller's
 * mistakes.
 */
export function createApp(engine: ServedEngine, options: AppOptions = {}): LlamitaApp {
  const maxQueue = options.maxQueue ?? 16;
  const model = options.modelName ?? engine.modelName;
  const stopping = new AbortController();
  let inFlight = 0;
  const app = new Hono();
  const json = (c: Context, e: ApiError) => c.json(e.body, e.status);

  app.use('*', guard({ hosts: options.hosts ?? [], apiKey: options.apiKey, corsOrigins: options.corsOrigins ?? [] }));
  const maxBodyBytes = options.maxBodyBytes ?? 1 << 20;
  const bodyTooLarge = apiError(413, 'invalid_request_error', `the body is over ${maxBodyBytes} bytes`, 'E_BODY_TOO_LARGE');
  app.use('/v1/*', bodyLimit({ maxSize: maxBodyBytes, onError: (c) => json(c, bodyTooLarge) }));
  app.get('/health', (c) => c.json({ status: stopping.signal.aborted ? 'stopping' : 'ok', model, backend: engine.backendChoice.name, in_flight: inFlight }));
  app.get('/v1/models', (c) => c.json({ object: 'list', data: [{ id: model, object: 'model', created: 0, owned_by: 'llamita' }] }));

  /** Runs one completion request: admission, parsing, then the answer as JSON or server-sent events. */
  const complete = (create: (body: Record<string, unknown>, signal: AbortSignal) => Promise<object | AsyncIterable<object>>) => async (c: Context) => {
    if (stopping.signal.aborted) return json(c, apiError(503, 'server_error', 'the server is shutting down', 'E_STOPPING'));
    if (inFlight > maxQueue) return json(c, apiError(429, 'rate_limit_error', `${inFlight} requests are running or waiting; try again later`, 'E_QUEUE_FULL'));
    inFlight++;
    const signal = AbortSignal.any([c.req.raw.signal, stopping.signal]);
    let streaming = false;
    try {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch (e) {
        // a chunked body (no Content-Length) is measured while read: bodyLimit's error arrives here, not in its own handler
        if ((e as Error).name === 'BodyLimitError') return json(c, bodyTooLarge);
        return json(c, apiError(400, 'invalid_request_error', 'the body is not JSON', 'E_BAD_JSON'));
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return json(c, apiError(400, 'invalid_request_error', 'the body must be a JSON object', 'E_BAD_JSON'));
      const result = await create({ ...body, ...(!('model' in body) && { model }) }, signal);
      if (!(Symbol.asyncIterator in result)) return c.json(result);
      streaming = true;
      return streamSSE(c, async (stream) => {
        try {
          for await (const chunk of result) await stream.writeSSE({ data: JSON.stringify(chunk) });
          await stream.writeSSE({ data: '[DONE]' });
        } catch (e) {
          if (!signal.aborted) await stream.writeSSE({ data: JSON.stringify(errorFor(e).body) });
        } finally {
          inFlight--;
        }
      });
    } catch (e) {
      return json(c, errorFor(e));
    } finally {
      if (!streaming) inFlight--;
    }
  };
  app.post(
    '/v1/chat/completions',
    complete((body, signal) => engine.chat.completions.create(body as never, { signal })),
  );
  app.post(
    '/v1/completions',
    complete((body, signal) => engine.completions.create(body as never, { signal })),
  );
  app.notFound((c) => json(c, apiError(404, 'invalid_request_error', `no route ${c.req.method} ${c.req.path}`, 'E_NOT_FOUND')));
  app.onError((e, c) => json(c, errorFor(e)));
  return { app, inFlight: () => inFlight, abortAll: () => stopping.abort(new Error('the server is shutting down')) };
}
