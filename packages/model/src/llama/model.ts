import { LlamitaError, throwIfAborted, asF32, asI32, concatBytes, plannedTensor, supportsGraph, type Backend, type DType, type PreparedGraph } from '@llamita/core';
import { ActivationScratch, activationBytes, plannedActivations } from './activations.js';
import type { LlamaConfig } from './config.js';
import { llamaForward, type Activations, type SampleSettings } from './forward.js';
import { KvCache, type KvType } from './kv-cache.js';
import { rotateCachedKeys } from './rope-shift.js';
import type { TensorSource } from './tensor-source.js';
import { loadLlamaWeights, plannedWeightBytes, plannedWeights, releaseWeights, type LlamaWeights, type LoadProgress } from './weights.js';

/** Options of {@link LlamaModel.load}. */
export interface LlamaLoadOptions {
  /** Context size of the KV cache (default: the model's, capped at 4096). */
  readonly contextSize?: number;
  /** Most tokens evaluated in one graph; longer inputs are split (default 512). */
  readonly batchSize?: number;
  /**
   * Element type of the KV cache (default `f16`, as llama.cpp: half the memory,
   * and attention then rounds as llama.cpp's flash attention does).
   */
  readonly kvType?: KvType;
  /**
   * Re-encode float (f32/f16/bf16) weight matrices to this type while loading,
   * e.g. `q8_0` for a bf16 Hugging Face checkpoint. Already-quantized tensors are kept.
   */
  readonly quantize?: DType;
  /** Called as weights upload. */
  readonly onProgress?: (p: LoadProgress) => void;
}

/** What to read back after {@link LlamaModel.evaluate}. */
export type LogitsMode = 'last' | 'all';

/**
 * Prepared graphs kept per model (one per batch size and logits mode); the
 * decode step's stays, others come and go. Scoring (`llamita eval`) sends
 * batches of a hundred or more sizes, contexts and continuations: with 8 kept,
 * nearly every batch planned its graph and made its bind groups again (on
 * WebGPU, 3.5 s of a 19.7 s HellaSwag run of 150 items; BENCHMARKS.md); a
 * kept graph costs little memory (its params and, for decode-sized batches,
 * the split attention's scratch).
 */
const PREPARED_GRAPHS = 64;

/** Everything a model keeps on its backend. */
interface Placement {
  readonly backend: Backend;
  readonly weights: LlamaWeights;
  readonly kv: KvCache;
  readonly scratch: ActivationScratch;
}

/**
 * A Llama model on a backend, with its KV cache. Tokens are evaluated in
 * order: prefill a prompt in batches, then decode one token at a time. Each
 * batch shape's forward graph is prepared once and replayed (token ids and
 * positions are its input tensors). {@link LlamaModel.moveTo} carries the
 * model and its cache to another backend mid-sequence.
 */
export class LlamaModel {
  private readonly prepared = new Map<string, PreparedGraph>();

  private constructor(
    /** Model hyperparameters. */
    readonly config: LlamaConfig,
    private placement: Placement,
    private readonly source: TensorSource,
    private readonly options: LlamaLoadOptions,
    /** KV cache capacity in tokens. */
    readonly contextSize: number,
    private readonly batchSize: number,
  ) {}

  /**
   * Loads a Llama from any tensor source (GGUF, safetensors) with its config,
   * and allocates its KV cache. Before a byte is uploaded it checks that the
   * backend runs every op of the forward pass and that the model fits.
   * `source` must stay readable while the model lives: {@link LlamaModel.moveTo} reads it again.
   * @throws LlamitaError `E_UNSUPPORTED_OP` naming the op the backend cannot run; `E_OUT_OF_MEMORY`; `E_UNSUPPORTED_MODEL`.
   */
  static async load(source: TensorSource, config: LlamaConfig, backend: Backend, options: LlamaLoadOptions = {}): Promise<LlamaModel> {
    const contextSize = options.contextSize ?? Math.min(config.contextLength, 4096);
    if (!Number.isSafeInteger(contextSize) || contextSize < 1) throw new LlamitaError('E_INVALID_ARGUMENT', `context size must be a positive integer, got ${contextSize}`);
    const batchSize = Math.min(options.batchSize ?? 512, contextSize);
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new LlamitaError('E_INVALID_ARGUMENT', `batch size must be a positive integer, got ${options.batchSize}`);
    const model = new LlamaModel(config, undefined as unknown as Placement, source, options, contextSize, batchSize);
    model.placement = await model.place(backend);
    return model;
  }

  /** Where the weights come from (read again by {@link LlamaModel.moveTo}). */
  get weightsSource(): TensorSource {
    return this.source;
  }

  /** The backend holding weights and cache now. */
  get backend(): Backend {
    return this.placement.backend;
  }

  /** The KV cache: its length, truncation, export and import of its rows. */
  get kv(): KvCache {
    return this.placement.kv;
  }

  /** Bytes the KV cache takes (keys and values for every layer and position). */
  get kvCacheBytes(): number {
    return this.kv.byteLength;
  }

  /** Tokens in the cache so far. */
  get position(): number {
    return this.kv.length;
  }

  /** Most tokens evaluated in one graph; longer inputs are split into batches of this size. */
  get maxBatch(): number {
    return this.batchSize;
  }

  /**
   * Context shift, as llama.cpp does it when the context fills: keeps the
   * first `keep` cached tokens, drops the `discard` after them, and moves the
   * rest down, rotating their cached keys by `-discard` positions (the
   * K-shift) so that the next token continues at position `position - discard`.
   * @throws LlamitaError `E_INVALID_ARGUMENT` when the range is not inside the cache.
   */
  async shiftContext(keep: number, discard: number): Promise<void> {
    const { headDim, ropeMode, ropeTheta } = this.config;
    // Llama 3's frequency factors rotate the shifted keys too, as llama.cpp's K-shift applies them
    const factors = this.placement.weights.ropeFreqs && new Float32Array((await this.backend.read(this.placement.weights.ropeFreqs)).slice().buffer);
    await this.kv.shift(keep, discard, (rows) => rotateCachedKeys(rows, this.kv.dtype, headDim, ropeMode, ropeTheta, -discard, factors));
  }

  /**
   * Appends `tokens` to the context in batches, waiting for each batch to
   * finish before queueing the next, so that `signal` is honoured between
   * batches. Nothing is read back but a 4-byte id per batch.
   * @throws LlamitaError `E_ABORTED` when `signal` aborts (the batches done stay in the cache); as {@link LlamaModel.evaluate}.
   */
  async prefill(tokens: readonly number[], signal?: AbortSignal): Promise<void> {
    for (let start = 0; start < tokens.length; start += this.batchSize) {
      throwIfAborted(signal);
      const a = this.step(tokens.slice(start, start + this.batchSize), false);
      await this.backend.read(a.next);
    }
    throwIfAborted(signal);
  }

  /** Forgets all cached tokens (the next evaluate starts at position 0). */
  reset(): void {
    this.kv.truncate(0);
  }

  /**
   * Moves the model to `backend` mid-sequence: weights are uploaded again from
   * their source, the cache rows `[0, position)` are copied (converted when the
   * cache dtypes differ), and everything on the old backend is released (the
   * old backend itself stays the caller's). The next evaluation continues the sequence.
   * With `dropCache` the cache is not read (its backend failed: a lost
   * device) and the model arrives empty, at position 0.
   * @throws LlamitaError as {@link LlamaModel.load}; the model stays where it was.
   */
  async moveTo(backend: Backend, options: { readonly dropCache?: boolean } = {}): Promise<void> {
    if (backend === this.backend) return;
    const snapshot = options.dropCache ? undefined : await this.kv.export();
    const next = await this.place(backend);
    if (snapshot) next.kv.import(snapshot);
    this.releasePlacement();
    this.placement = next;
  }

  /** Frees everything the model put on its backend (the backend stays usable). */
  dispose(): void {
    this.releasePlacement();
  }

  /**
   * Appends `tokens` to the context and returns logits: `[vocab]` for the last
   * token, or `[tokens.length * vocab]` for each (`mode: 'all'`).
   * @throws LlamitaError `E_CONTEXT_FULL` past the context size; `E_INVALID_ARGUMENT` for ids outside the vocabulary.
   */
  async evaluate(tokens: readonly number[], mode: LogitsMode = 'last'): Promise<Float32Array> {
    return this.evaluateQueued(tokens, mode);
  }

  /**
   * {@link LlamaModel.evaluate}, returning once the work and the logits' reads
   * are queued: a read returns the bytes as of its call, so the caller may
   * queue more (another continuation after `kv.truncate`) while a GPU computes
   * these, and work on one batch's logits while the next runs.
   * @throws LlamitaError at once, as `evaluate` rejects.
   */
  evaluateQueued(tokens: readonly number[], mode: LogitsMode = 'last'): Promise<Float32Array> {
    const reads: Promise<Uint8Array>[] = [];
    for (let start = 0; start < tokens.length; start += this.batchSize) {
      const batch = tokens.slice(start, start + this.batchSize);
      const isLast = start + this.batchSize >= tokens.length;
      const a = this.step(batch, mode === 'all');
      if (mode === 'all' || isLast) reads.push(this.backend.read(a.logits));
    }
    return Promise.all(reads).then((bytes) => asF32(bytes.length === 1 ? bytes[0]! : concatBytes(bytes)));
  }

  /** Appends `tokens` and returns the greedy next token, reading back one id only. */
  async evaluateGreedy(tokens: readonly number[]): Promise<number> {
    let a: Activations | undefined;
    for (let start = 0; start < tokens.length; start += this.batchSize) a = this.step(tokens.slice(start, start + this.batchSize), false);
    if (!a) throw new LlamitaError('E_INVALID_ARGUMENT', 'evaluateGreedy needs at least one token');
    return asI32(await this.backend.read(a.next))[0]!;
  }

  /**
   * Appends `tokens`, then decodes: yields the id chosen after them, then the
   * id chosen after each id it yielded, greedy (`sampling` absent) or drawn by
   * the sample op (`sampling.draw()` gives each step's 32-bit draw, as for
   * {@link LlamaModel.evaluateSampled}). The ids equal those of calling
   * {@link LlamaModel.evaluateGreedy} or `evaluateSampled` once per token.
   *
   * One step runs ahead: the backend feeds each chosen id into the next step
   * itself, so the next step is queued before the host reads the id and the
   * host's work on one token overlaps the backend's on the one before. When
   * the iteration stops, the cache holds `tokens` and every yielded id but the
   * last (as one call per token would leave it): the step queued ahead is
   * taken back. The iteration ends when the cache holds `limit` tokens (default:
   * the context size) and the last id yielded has no room.
   * @throws LlamitaError as {@link LlamaModel.evaluate}.
   */
  async *decode(tokens: readonly number[], sampling?: { readonly settings: SampleSettings; readonly draw: () => number }, limit = this.contextSize): AsyncGenerator<number, void, undefined> {
    if (tokens.length === 0) throw new LlamitaError('E_INVALID_ARGUMENT', 'decode needs at least one token');
    const draw = () => (sampling ? { settings: sampling.settings, draw: sampling.draw() } : undefined);
    let a: Activations | undefined;
    for (let start = 0; start < tokens.length; start += this.batchSize) {
      const isLast = start + this.batchSize >= tokens.length;
      a = this.step(tokens.slice(start, start + this.batchSize), false, isLast ? draw() : undefined);
    }
    const chosen = sampling ? a!.sampled : a!.next;
    // read before the next step is queued: a read sees the work queued before it
    let pending: Promise<Uint8Array> | undefined = quiet(this.backend.read(chosen));
    let ahead = false;
    try {
      while (pending) {
        ahead = this.position < limit;
        if (ahead) this.step('chosen', false, draw());
        const id = asI32(await pending)[0]!;
        pending = ahead ? quiet(this.backend.read(chosen)) : undefined;
        yield id;
      }
      ahead = false;
    } finally {
      if (ahead) {
        pending?.catch(() => undefined);
        this.kv.truncate(this.position - 1);
      }
    }
  }

  /** Whether the backend runs the sample op on this model's logits with llama.cpp's default settings (see {@link LlamaModel.canSampleWith}). */
  get canSample(): boolean {
    return this.canSampleWith({ topK: 40, topP: 0.95, minP: 0.05, temperature: 0.8 });
  }

  /**
   * Whether the backend runs the sample op on this model's logits with these
   * settings (then {@link LlamaModel.evaluateSampled} reads back one id): a
   * backend may take only some of them (WebGPU keeps at most 64 candidates, so
   * no top-k of 0).
   */
  canSampleWith(settings: SampleSettings): boolean {
    const logits = plannedTensor('f32', [1, this.config.vocabSize]);
    const ids = plannedTensor('i32', [1]);
    return this.backend.supports({ op: 'sample', logits, random: ids, ...settings, out: plannedTensor('i32', [1]) }).ok;
  }

  /**
   * Appends `tokens` and returns a token drawn on the backend from the last
   * logits row with top-k, top-p, min-p and temperature (the sample op), reading
   * back one id only. `draw` is a 32-bit draw (`Prng.nextU32()`): the same
   * draw picks the id `@llamita/sampling`'s chain picks with those settings.
   */
  async evaluateSampled(tokens: readonly number[], settings: SampleSettings, draw: number): Promise<number> {
    let a: Activations | undefined;
    for (let start = 0; start < tokens.length; start += this.batchSize) {
      const batch = tokens.slice(start, start + this.batchSize);
      const isLast = start + this.batchSize >= tokens.length;
      a = this.step(batch, false, isLast ? { settings, draw } : undefined);
    }
    if (!a) throw new LlamitaError('E_INVALID_ARGUMENT', 'evaluateSampled needs at least one token');
    return asI32(await this.backend.read(a.sampled))[0]!;
  }

  /** Checks that `backend` runs and holds this model, then uploads weights and allocates cache and scratch there. */
  private async place(backend: Backend): Promise<Placement> {
    const { config, source, options, contextSize, batchSize } = this;
    const kvType = options.kvType ?? 'f16';
    const weights = plannedWeights(source, config, options.quantize);
    const kv = plannedKv(config, contextSize, kvType);
    for (const [m, all] of [
      [batchSize, true],
      [1, false],
    ] as const) {
      const answer = supportsGraph(backend, llamaForward(config, weights, kv, plannedActivations(config, m, all ? m : 1), all));
      if (!answer.ok) throw new LlamitaError('E_UNSUPPORTED_OP', `${source.name}: ${answer.reason}`);
    }
    checkFits(backend, {
      weights: plannedWeightBytes(source, config, options.quantize),
      kvCache: KvCache.bytesFor(config, contextSize, kvType),
      activations: activationBytes(config, batchSize),
    });
    const uploaded = await loadLlamaWeights(source, config, backend, options.onProgress, options.quantize);
    return { backend, weights: uploaded, kv: KvCache.allocate(config, backend, contextSize, kvType), scratch: new ActivationScratch(config, batchSize, backend) };
  }

  private releasePlacement(): void {
    for (const graph of this.prepared.values()) graph.dispose();
    this.prepared.clear();
    const { backend, weights, kv, scratch } = this.placement;
    releaseWeights(weights, backend);
    kv.release();
    scratch.release();
  }

  /**
   * Queues one batch's graph; returns its activations (logits not yet read).
   * `'chosen'` is one token whose id the previous step chose and left on the
   * backend (`next`, or `sampled` when sampling): no host round trip between them.
   */
  private step(batch: readonly number[] | 'chosen', allLogits: boolean, sampling?: { readonly settings: SampleSettings; readonly draw: number }): Activations {
    const m = batch === 'chosen' ? 1 : batch.length;
    const past = this.kv.length;
    if (past + m > this.contextSize) {
      throw new LlamitaError('E_CONTEXT_FULL', `context is full: ${past} + ${m} tokens exceed the context size ${this.contextSize}`, { contextSize: this.contextSize });
    }
    const a = this.placement.scratch.view(m, allLogits ? m : 1);
    if (batch !== 'chosen') {
      for (const id of batch) {
        if (!Number.isInteger(id) || id < 0 || id >= this.config.vocabSize) throw new LlamitaError('E_INVALID_ARGUMENT', `token id ${id} is outside the vocabulary [0, ${this.config.vocabSize})`);
      }
      this.backend.write(a.ids.buffer, a.ids.byteOffset, Int32Array.from(batch));
    }
    this.backend.write(
      a.positions.buffer,
      a.positions.byteOffset,
      Int32Array.from({ length: m }, (_, i) => past + i),
    );
    if (sampling) this.backend.write(a.random.buffer, a.random.byteOffset, Int32Array.of(sampling.draw | 0));
    const inputs = batch === 'chosen' ? { ...a, ids: sampling ? a.sampled : a.next } : a;
    this.graphFor(m, allLogits, inputs, sampling?.settings, batch === 'chosen').run();
    this.kv.advance(m);
    return a;
  }

  /** The prepared forward graph for batches of `m` (built on first use, kept among the most recent few). */
  private graphFor(m: number, allLogits: boolean, a: Activations, sampling: SampleSettings | undefined, chosen: boolean): PreparedGraph {
    const key = `${m}:${allLogits}:${sampling ? `${sampling.topK},${sampling.topP},${sampling.minP},${sampling.temperature}` : 'argmax'}:${chosen ? 'chosen' : 'ids'}`;
    let graph = this.prepared.get(key);
    if (graph) {
      // most recently used last
      this.prepared.delete(key);
    } else {
      const { weights, kv, backend } = this.placement;
      graph = backend.prepare(llamaForward(this.config, weights, kv.layers, a, allLogits, sampling));
      if (this.prepared.size >= PREPARED_GRAPHS) {
        const [oldest, evicted] = this.prepared.entries().next().value!;
        evicted.dispose();
        this.prepared.delete(oldest);
      }
    }
    this.prepared.set(key, graph);
    return graph;
  }
}

/**
 * `read`, marked as handled: a read queued ahead may fail (a lost device)
 * while the consumer holds a yielded id, before anything awaits it; the await
 * that comes later still throws.
 */
function quiet(read: Promise<Uint8Array>): Promise<Uint8Array> {
  read.catch(() => undefined);
  return read;
}

/** The KV cache of a model as planned tensors, for support checks. */
function plannedKv(c: LlamaConfig, contextSize: number, dtype: KvType) {
  const shape = [contextSize, c.nKvHeads, c.headDim];
  return Array.from({ length: c.nLayers }, () => ({ k: plannedTensor(dtype, shape), v: plannedTensor(dtype, shape) }));
}

/**
 * Refuses, before anything is uploaded, a model whose weights, KV cache and
 * scratch exceed the backend's fixed memory limit (when it has one).
 * @throws LlamitaError `E_OUT_OF_MEMORY` with the sizes.
 */
function checkFits(backend: Backend, parts: { weights: number; kvCache: number; activations: number }): void {
  const limit = backend.info.memoryLimitBytes;
  const needed = parts.weights + parts.kvCache + parts.activations;
  if (limit === undefined || needed <= limit) return;
  const gib = (bytes: number) => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  throw new LlamitaError(
    'E_OUT_OF_MEMORY',
    `the model needs ${gib(needed)} (weights ${gib(parts.weights)}, KV cache ${gib(parts.kvCache)}, scratch ${gib(parts.activations)}) but the ${backend.info.name} backend holds at most ${gib(limit)}; use a smaller quantization or a shorter context`,
    { ...parts, needed, limit },
  );
}
