import { LlamitaError, asF32, asI32, byteSize, tensorBytes, tensorOn, type Backend, type DType, type Tensor } from '@llamita/core';
import { readTensorData, type GgufFile } from '../gguf/reader.js';
import { llamaConfigFromGguf, type LlamaConfig } from './config.js';
import type { TensorSource } from './tensor-source.js';
import { llamaForward, type Activations, type LayerCache } from './forward.js';
import { loadLlamaWeights, plannedWeightBytes, type LlamaWeights, type LoadProgress } from './weights.js';

/** Options of {@link LlamaModel.fromGguf}. */
export interface LlamaLoadOptions {
  /** Context size of the KV cache (default: the model's, capped at 4096). */
  readonly contextSize?: number;
  /** Most tokens evaluated in one graph; longer inputs are split (default 512). */
  readonly batchSize?: number;
  /**
   * Element type of the KV cache (default `f16`, as llama.cpp: half the memory,
   * and attention then rounds as llama.cpp's flash attention does).
   */
  readonly kvType?: 'f16' | 'f32';
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
 * A Llama model on a backend, with its KV cache. Tokens are evaluated in
 * order: prefill a prompt in batches, then decode one token at a time.
 */
export class LlamaModel {
  /** Tokens already in the KV cache. */
  private past = 0;
  private readonly scratch = new Map<string, Activations>();

  private constructor(
    /** Model hyperparameters. */
    readonly config: LlamaConfig,
    /** The backend holding weights and cache. */
    readonly backend: Backend,
    private readonly weights: LlamaWeights,
    private readonly cache: readonly LayerCache[],
    /** KV cache capacity in tokens. */
    readonly contextSize: number,
    private readonly batchSize: number,
  ) {}

  /** Loads a Llama GGUF onto `backend` and allocates its KV cache. */
  static fromGguf(file: GgufFile, backend: Backend, options: LlamaLoadOptions = {}): Promise<LlamaModel> {
    return LlamaModel.load(ggufTensorSource(file), llamaConfigFromGguf(file), backend, options);
  }

  /** Loads a Llama from any tensor source (GGUF, safetensors) with its config, and allocates its KV cache. */
  static async load(source: TensorSource, config: LlamaConfig, backend: Backend, options: LlamaLoadOptions = {}): Promise<LlamaModel> {
    const contextSize = options.contextSize ?? Math.min(config.contextLength, 4096);
    if (!Number.isSafeInteger(contextSize) || contextSize < 1) throw new LlamitaError('E_INVALID_ARGUMENT', `context size must be a positive integer, got ${contextSize}`);
    for (const dtype of new Set([...source.entries.values()].map((t) => t.dtype).concat(options.quantize ?? []))) {
      if (!backend.supportsOp('matmul', dtype)) throw new LlamitaError('E_UNSUPPORTED_OP', `the ${backend.info.name} backend cannot run ${dtype} weights`);
    }
    const kvType = options.kvType ?? 'f16';
    const kvShape = [contextSize, config.nKvHeads, config.headDim];
    const batchSize = options.batchSize ?? 512;
    checkFits(backend, {
      weights: plannedWeightBytes(source, config, options.quantize),
      kvCache: 2 * config.nLayers * byteSize(kvType, kvShape),
      activations: activationBytes(config, Math.min(batchSize, contextSize)),
    });
    const weights = await loadLlamaWeights(source, config, backend, options.onProgress, options.quantize);
    const cache = Array.from({ length: config.nLayers }, (_, l) => ({
      k: tensorOn(backend.allocate(byteSize(kvType, kvShape), `cache.k.${l}`), kvType, kvShape),
      v: tensorOn(backend.allocate(byteSize(kvType, kvShape), `cache.v.${l}`), kvType, kvShape),
    }));
    return new LlamaModel(config, backend, weights, cache, contextSize, batchSize);
  }

  /** Bytes the KV cache takes (keys and values for every layer and position). */
  get kvCacheBytes(): number {
    return this.cache.reduce((sum, layer) => sum + tensorBytes(layer.k) + tensorBytes(layer.v), 0);
  }

  /** Tokens in the cache so far. */
  get position(): number {
    return this.past;
  }

  /** Forgets all cached tokens (the next evaluate starts at position 0). */
  reset(): void {
    this.past = 0;
  }

  /**
   * Appends `tokens` to the context and returns logits: `[vocab]` for the last
   * token, or `[tokens.length * vocab]` for each (`mode: 'all'`).
   * @throws LlamitaError `E_CONTEXT_FULL` past the context size; `E_INVALID_ARGUMENT` for ids outside the vocabulary.
   */
  async evaluate(tokens: readonly number[], mode: LogitsMode = 'last'): Promise<Float32Array> {
    const parts: Float32Array[] = [];
    for (let start = 0; start < tokens.length; start += this.batchSize) {
      const batch = tokens.slice(start, start + this.batchSize);
      const isLast = start + this.batchSize >= tokens.length;
      const a = this.step(batch, mode === 'all');
      if (mode === 'all' || isLast) parts.push(asF32(await this.backend.read(a.logits)));
    }
    if (parts.length === 1) return parts[0]!;
    const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  /** Appends `tokens` and returns the greedy next token, reading back one id only. */
  async evaluateGreedy(tokens: readonly number[]): Promise<number> {
    let a: Activations | undefined;
    for (let start = 0; start < tokens.length; start += this.batchSize) a = this.step(tokens.slice(start, start + this.batchSize), false);
    if (!a) throw new LlamitaError('E_INVALID_ARGUMENT', 'evaluateGreedy needs at least one token');
    return asI32(await this.backend.read(a.next))[0]!;
  }

  /** Queues one batch's graph; returns its activations (logits not yet read). */
  private step(batch: readonly number[], allLogits: boolean): Activations {
    const m = batch.length;
    if (this.past + m > this.contextSize) {
      throw new LlamitaError('E_CONTEXT_FULL', `context is full: ${this.past} + ${m} tokens exceed the context size ${this.contextSize}`, { contextSize: this.contextSize });
    }
    for (const id of batch) {
      if (!Number.isInteger(id) || id < 0 || id >= this.config.vocabSize) throw new LlamitaError('E_INVALID_ARGUMENT', `token id ${id} is outside the vocabulary [0, ${this.config.vocabSize})`);
    }
    const a = this.activations(m, allLogits);
    this.backend.write(a.ids.buffer, a.ids.byteOffset, Int32Array.from(batch));
    this.backend.write(a.positions.buffer, a.positions.byteOffset, Int32Array.from(batch, (_, i) => this.past + i));
    this.backend.run(llamaForward(this.config, this.weights, this.cache, a, allLogits));
    this.past += m;
    return a;
  }

  /** Scratch tensors for batches of `m`, allocated once per (m, logits mode) and reused. */
  private activations(m: number, allLogits: boolean): Activations {
    const key = `${m}:${allLogits}`;
    const cached = this.scratch.get(key);
    if (cached) return cached;
    const c = this.config;
    const t = (name: string, dtype: DType, shape: number[]): Tensor => tensorOn(this.backend.allocate(byteSize(dtype, shape), `${name}[${key}]`), dtype, shape);
    const l = allLogits ? m : 1;
    const a: Activations = {
      ids: t('ids', 'i32', [m]),
      positions: t('positions', 'i32', [m]),
      x: t('x', 'f32', [m, c.dim]),
      h: t('h', 'f32', [m, c.dim]),
      q: t('q', 'f32', [m, c.nHeads * c.headDim]),
      k: t('k', 'f32', [m, c.nKvHeads * c.headDim]),
      v: t('v', 'f32', [m, c.nKvHeads * c.headDim]),
      qRot: t('qRot', 'f32', [m, c.nHeads * c.headDim]),
      kRot: t('kRot', 'f32', [m, c.nKvHeads * c.headDim]),
      att: t('att', 'f32', [m, c.nHeads * c.headDim]),
      proj: t('proj', 'f32', [m, c.dim]),
      gate: t('gate', 'f32', [m, c.ffnDim]),
      up: t('up', 'f32', [m, c.ffnDim]),
      logits: t('logits', 'f32', [l, c.vocabSize]),
      next: t('next', 'i32', [l]),
    };
    this.scratch.set(key, a);
    return a;
  }
}

/** A GGUF file as a {@link TensorSource} (its names are already llama.cpp's). */
export function ggufTensorSource(file: GgufFile): TensorSource {
  const entries = new Map(file.tensors.map((t) => [t.name, t]));
  return {
    name: file.source.name,
    entries,
    read: (name) => readTensorData(file, entries.get(name)!),
  };
}

/**
 * Bytes of the per-batch scratch tensors for batches of `m` tokens (see
 * `LlamaModel.activations`), with logits for every token: the most a batch takes.
 */
function activationBytes(c: LlamaConfig, m: number): number {
  const q = c.nHeads * c.headDim;
  const kv = c.nKvHeads * c.headDim;
  return 4 * m * (2 + 3 * c.dim + 3 * q + 3 * kv + 2 * c.ffnDim + c.vocabSize + 1);
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
