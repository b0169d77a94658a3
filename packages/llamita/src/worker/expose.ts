import { LlamitaError, type BackendFactory } from '@llamita/core';
import { blobSource, urlSource, type ByteSource, type LoadProgress } from '@llamita/model';
import { Engine, loadModel } from '../engine.js';
import type { Session } from '../session.js';
import type { Endpoint, FromWorker, ToWorker, WorkerApi, WorkerEngineInfo } from './protocol.js';

/** Options of {@link exposeEngine}. */
export interface ExposeOptions {
  /** The backends the page may ask for, by name (e.g. `{ webgpu, wasm: wasmBackend, js: jsBackend }`). */
  readonly backends: Readonly<Record<string, BackendFactory>>;
  /** Opens a model given as a string (default: an http(s) URL read with range requests; in Node, pass `fileSource` for paths). */
  readonly open?: (model: string) => Promise<ByteSource>;
  /**
   * An engine the worker opened itself (or is opening): an `Engine` of
   * `llamita` (what `loadModel` resolves to; anything else is refused with
   * `E_INVALID_ARGUMENT`), served from the start. The other side connects with
   * `connectWorkerEngine` instead of loading. A rejection is the answer to its
   * first call, code kept. A later `load` replaces it. Typed as an object so
   * that this entry does not carry the whole engine's API.
   */
  readonly engine?: object | Promise<object>;
}

/** What one call may use: its abort signal and a progress reporter. */
interface CallContext {
  readonly signal: AbortSignal;
  readonly progress: (p: LoadProgress) => void;
}

/**
 * Serves an engine to the page over `endpoint` (in a worker: `self`, or
 * `nodeEndpoint(parentPort)`): the page's `createWorkerEngine` calls it.
 * Calls run in the worker; their errors go back with their code.
 */
export function exposeEngine(endpoint: Endpoint, options: ExposeOptions): void {
  let engine: Engine | undefined;
  // the preloaded engine, until it settles; its failure stays the answer of `info`
  let opening: Promise<Engine> | undefined = options.engine === undefined ? undefined : Promise.resolve(options.engine).then(asEngine);
  void opening?.then(
    (e) => {
      engine ??= e;
    },
    () => undefined,
  );
  const sessions = new Map<number, Session>();
  let nextSession = 1;
  const calls = new Map<number, AbortController>();
  const post = (message: FromWorker, transfer: Transferable[] = []) => endpoint.postMessage(message, transfer);

  const loaded = (): Engine => {
    if (!engine) throw new LlamitaError('E_INVALID_ARGUMENT', 'no model is loaded in the worker (call load first)');
    return engine;
  };
  const session = (id: number): Session => {
    const s = sessions.get(id);
    if (!s) throw new LlamitaError('E_DISPOSED', `session ${id} does not exist in the worker (disposed?)`);
    return s;
  };
  const backend = (name: string): BackendFactory => {
    const factory = options.backends[name];
    if (!factory) throw new LlamitaError('E_INVALID_ARGUMENT', `the worker offers no backend "${name}" (it has ${Object.keys(options.backends).join(', ')})`);
    return factory;
  };
  const info = (e: Engine): WorkerEngineInfo => ({ modelName: e.modelName, contextSize: e.model.contextSize, backendChoice: e.backendChoice, chatStopTokens: e.chatFormat.stopTokens });
  const adopt = (s: Session) => {
    const id = nextSession++;
    sessions.set(id, s);
    return id;
  };

  const api = (ctx: CallContext): WorkerApi => ({
    info: async () => info(engine ?? (opening ? await opening : loaded())),
    load: async (request) => {
      opening = undefined;
      engine?.dispose();
      engine = undefined;
      const source = typeof request.model === 'string' ? await (options.open ?? urlSource)(request.model) : blobSource(request.model);
      engine = await loadModel(source, {
        backend: request.backends.map(backend),
        onProgress: ctx.progress,
        ...(request.contextSize !== undefined && { contextSize: request.contextSize }),
        ...(request.kvType !== undefined && { kvType: request.kvType }),
        ...(request.chatTemplate !== undefined && { chatTemplate: request.chatTemplate }),
      });
      return info(engine);
    },
    createSession: async () => adopt(loaded().createSession()),
    generate: (id, prompt, generateOptions) => session(id).generate(prompt, { ...generateOptions, signal: ctx.signal }),
    sessionState: async (id) => ({ tokens: [...session(id).tokens], stats: { ...session(id).stats } }),
    saveSession: async (id) => loaded().saveSession(session(id)),
    restoreSession: async (bytes) => adopt(await loaded().restoreSession(bytes)),
    disposeSession: async (id) => {
      sessions.get(id)?.dispose();
      sessions.delete(id);
    },
    chatTokens: async (messages) => loaded().chatTokens(messages),
    chatCompletion: (body) => loaded().chat.completions.create({ ...body, stream: false }, { signal: ctx.signal }),
    chatCompletionStream: (body) => streamOf(loaded().chat.completions.create({ ...body, stream: true }, { signal: ctx.signal })),
    completion: (body) => loaded().completions.create({ ...body, stream: false }, { signal: ctx.signal }),
    completionStream: (body) => streamOf(loaded().completions.create({ ...body, stream: true }, { signal: ctx.signal })),
    moveTo: async (name) => {
      const e = loaded();
      const factory = backend(name);
      const probe = await factory.probe();
      if (!probe.ok) throw new LlamitaError('E_BACKEND_UNAVAILABLE', `the ${name} backend cannot run here: ${probe.reason}`);
      const created = await factory.create();
      await e.moveTo(created, { adopt: true }).catch((error: unknown) => {
        created.dispose();
        throw error;
      });
      return info(e);
    },
    dispose: async () => {
      for (const s of sessions.values()) s.dispose();
      sessions.clear();
      engine?.dispose();
      engine = undefined;
    },
  });

  const run = async (call: Extract<ToWorker, { kind: 'call' }>, controller: AbortController) => {
    const ctx: CallContext = { signal: controller.signal, progress: (progress) => post({ kind: 'progress', id: call.id, progress }) };
    const method = api(ctx)[call.method] as (...args: unknown[]) => unknown;
    const answer = method(...call.args);
    if (answer !== null && typeof answer === 'object' && Symbol.asyncIterator in answer) {
      for await (const value of answer as AsyncIterable<unknown>) post({ kind: 'item', id: call.id, method: call.method, value } as FromWorker);
      post({ kind: 'end', id: call.id });
    } else {
      const value = await answer;
      post({ kind: 'result', id: call.id, method: call.method, value } as FromWorker, value instanceof Uint8Array ? [value.buffer as ArrayBuffer] : []);
    }
  };

  endpoint.addEventListener('message', ({ data }) => {
    const message = data as ToWorker;
    if (message.kind === 'abort') {
      calls.get(message.id)?.abort(new Error('aborted by the page'));
      return;
    }
    const controller = new AbortController();
    calls.set(message.id, controller);
    run(message, controller)
      .catch((e: unknown) => {
        const error = LlamitaError.is(e) ? e : new LlamitaError('E_INTERNAL', `the worker failed: ${(e as Error)?.message ?? String(e)}`);
        post({ kind: 'error', id: message.id, error: error.toJSON() });
      })
      .finally(() => calls.delete(message.id));
  });
}

/** The stream a streaming `create` resolves to, as one async iterable. */
async function* streamOf<T>(created: Promise<AsyncIterable<T>>): AsyncGenerator<T> {
  yield* await created;
}

/** The engine `exposeEngine` was given, checked to be one. */
function asEngine(value: object): Engine {
  if (!(value instanceof Engine)) throw new LlamitaError('E_INVALID_ARGUMENT', "exposeEngine's engine must be an Engine of llamita (what loadModel resolves to)");
  return value;
}
