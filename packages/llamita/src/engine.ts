import { LlamitaError, type Backend } from '@llamita/core';
import {
  LlamaModel,
  blobSource,
  loadGgufLlama,
  type SampleSettings,
  readGguf,
  spmVocabFromGguf,
  urlSource,
  type ByteSource,
  type LlamaConfig,
  type LoadProgress,
  type TensorSource,
} from '@llamita/model';
import type { DType } from '@llamita/core';
import { placeOnBackend, type BackendChoice, type BackendOption, type Placed } from './backend-choice.js';
import { DEFAULT_ORDER, JsonConstraint, Prng, SAMPLING_DEFAULTS, SamplerChain, StopStringFilter, type JsonSchema, type SamplingOptions } from '@llamita/sampling';
import { JsonTokenMask } from './json-mask.js';
import { SpmTokenizer, type SpmVocab } from '@llamita/tokenizer';

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /**
   * The backend to run on: a live backend (it stays the caller's: the engine
   * never disposes it), a factory (probed, then created, and disposed with the
   * engine), or factories in order of preference, e.g.
   * `[webgpuFactory, wasmBackend, jsBackend]`: the first that probes well and
   * runs every op of the model is used ({@link Engine.backendChoice} says
   * which, and why the others were passed over). The facade imports no
   * backend itself, so a user installs only the backends they use.
   */
  readonly backend: BackendOption;
  /** KV cache size in tokens (default: the model's context, capped at 4096). */
  readonly contextSize?: number;
  /** KV cache element type (default f16, as llama.cpp). */
  readonly kvType?: 'f16' | 'f32';
  /** Re-encode float weight matrices to this type while loading (e.g. `q8_0`). */
  readonly quantize?: DType;
  /** Progress of the weight upload. */
  readonly onProgress?: (p: LoadProgress) => void;
}

function modelOptions(options: LoadModelOptions) {
  return {
    ...(options.contextSize !== undefined && { contextSize: options.contextSize }),
    ...(options.kvType !== undefined && { kvType: options.kvType }),
    ...(options.quantize !== undefined && { quantize: options.quantize }),
    ...(options.onProgress !== undefined && { onProgress: options.onProgress }),
  };
}

/**
 * Loads a checkpoint given as parts: tensors (e.g. a Hugging Face safetensors
 * checkpoint through `hfTensorSource`), its config and its vocabulary (e.g.
 * from `tokenizer.json`).
 */
export async function loadCheckpoint(tensors: TensorSource, config: LlamaConfig, vocab: SpmVocab, options: LoadModelOptions): Promise<Engine> {
  const placed = await placeOnBackend(options.backend, (backend) => LlamaModel.load(tensors, config, backend, modelOptions(options)));
  return new Engine(placed.value, new SpmTokenizer(vocab), placed);
}

/** Options of {@link Engine.generate}. */
export interface GenerateOptions extends SamplingOptions {
  /** Most tokens to generate (default 256). */
  readonly maxTokens?: number;
  /** PRNG seed for sampling (default 0). Same seed, same tokens. */
  readonly seed?: number;
  /** Stop when the text contains one of these; it is not emitted (it may span tokens). */
  readonly stop?: readonly string[];
  /**
   * Constrain the output to one JSON document: `true` for any JSON, or a JSON
   * Schema (subset: object/properties/required, array/items, string, integer,
   * number, boolean, enum, nullable). Tokens that cannot continue a valid
   * document are masked; the document is closed before `maxTokens` runs out;
   * generation ends when it is complete.
   */
  readonly json?: JsonSchema | true;
  /** Stop at the end-of-sequence token (default true). */
  readonly stopAtEos?: boolean;
  /** Abort generation between tokens. */
  readonly signal?: AbortSignal;
}

/** One step of {@link Engine.generate}: the token and the text it completed. */
export interface GeneratedToken {
  /** Token id. */
  readonly id: number;
  /** Newly completed text (may be empty while a UTF-8 character is split across tokens). */
  readonly text: string;
}

/** Timings of a generation, in milliseconds. */
export interface GenerationStats {
  /** Prompt tokens evaluated. */
  promptTokens: number;
  /** Tokens generated. */
  generatedTokens: number;
  /** Time to evaluate the prompt. */
  prefillMs: number;
  /** Time spent generating after the prompt. */
  decodeMs: number;
}

/**
 * Loads a Llama GGUF from a byte source, a Blob/File, or an http(s) URL. The
 * source stays open while the engine lives ({@link Engine.moveTo} reads the
 * weights again) and is closed by {@link Engine.dispose}.
 * @throws LlamitaError `E_BACKEND_UNAVAILABLE` when no backend given can run the model here; file errors from the reader.
 */
export async function loadModel(source: ByteSource | Blob | string, options: LoadModelOptions): Promise<Engine> {
  const bytes = typeof source === 'string' ? await urlSource(source) : source instanceof Blob ? blobSource(source) : source;
  try {
    const file = await readGguf(bytes);
    const tokenizer = new SpmTokenizer(spmVocabFromGguf(file));
    const placed = await placeOnBackend(options.backend, (backend) => loadGgufLlama(file, backend, modelOptions(options)));
    const engine = new Engine(placed.value, tokenizer, placed);
    engine.closeWith(() => bytes.close());
    return engine;
  } catch (e) {
    await bytes.close();
    throw e;
  }
}

/** A loaded model with its tokenizer: generate text, score text. */
export class Engine {
  private jsonMask: JsonTokenMask | undefined;
  private ownsBackend: boolean;
  private choice: BackendChoice;
  private readonly closers: (() => unknown)[] = [];
  private disposed = false;

  /** Stats of the last {@link Engine.generate} run. */
  readonly stats: GenerationStats = { promptTokens: 0, generatedTokens: 0, prefillMs: 0, decodeMs: 0 };

  /**
   * Pairs a model with its tokenizer. `placement` says whether the engine
   * created the model's backend (then {@link Engine.dispose} disposes it); by
   * default the backend is the caller's.
   */
  constructor(
    /** The model and its KV cache. */
    readonly model: LlamaModel,
    /** The model's tokenizer. */
    readonly tokenizer: SpmTokenizer,
    placement?: Pick<Placed<unknown>, 'owned' | 'choice'>,
  ) {
    this.ownsBackend = placement?.owned ?? false;
    this.choice = placement?.choice ?? { name: model.backend.info.name, description: model.backend.info.description, skipped: [] };
  }

  /** Which backend runs the model, and the candidates passed over before it. */
  get backendChoice(): BackendChoice {
    return this.choice;
  }

  /** Runs `close` when the engine is disposed (e.g. closing the file the weights come from). */
  closeWith(close: () => unknown): void {
    this.closers.push(close);
  }

  /**
   * Moves the model, with its KV cache, to `backend` (the caller's: the engine
   * will not dispose it); the next generation continues on it. A backend the
   * engine had created itself is disposed after the move.
   */
  async moveTo(backend: Backend): Promise<void> {
    const old = this.model.backend;
    if (backend === old) return;
    await this.model.moveTo(backend);
    if (this.ownsBackend) old.dispose();
    this.ownsBackend = false;
    this.choice = { name: backend.info.name, description: backend.info.description, skipped: [] };
  }

  /**
   * Generates a continuation of `prompt` (text, or token ids used as they are),
   * one token at a time. Starts from an empty context.
   * Temperature 0 is greedy and reads back one token id per step.
   */
  async *generate(prompt: string | readonly number[], options: GenerateOptions = {}): AsyncGenerator<GeneratedToken> {
    const { maxTokens = 256, stopAtEos = true, signal } = options;
    const ids = typeof prompt === 'string' ? this.tokenizer.encode(prompt) : [...prompt];
    if (ids.length === 0) throw new LlamitaError('E_INVALID_ARGUMENT', 'the prompt has no tokens (and the model adds no BOS)');
    const chain = new SamplerChain({ ...options, dryIsBreaker: options.dryIsBreaker ?? this.dryBreakers() });
    for (const id of ids) chain.accept(id);
    let json = options.json === undefined ? undefined : JsonConstraint.fromSchema(options.json);
    const mask = json ? (this.jsonMask ??= new JsonTokenMask(this.tokenizer)) : undefined;
    if (json && mask!.spell(json.closingText()).length > maxTokens) {
      throw new LlamitaError('E_INVALID_ARGUMENT', `maxTokens ${maxTokens} is too small for the shortest valid document (${JSON.stringify(json.closingText())})`);
    }
    // greedy with nothing that reshapes logits: read back only the argmax id
    const plainGreedy =
      !json &&
      (options.temperature === 0 || options.topK === 1) &&
      !options.logitBias?.size &&
      (options.repeatPenalty ?? 1) === 1 &&
      !options.presencePenalty &&
      !options.frequencyPenalty &&
      !options.dryMultiplier;
    // top-k, top-p, min-p and temperature alone (the default chain): the backend draws, and one id is read back
    const onBackend = !json && !plainGreedy && this.model.canSample ? sampleOpSettings(options) : undefined;
    const draws = new Prng(options.seed ?? 0);
    // one id read back per token: the model decodes with a step queued ahead
    const onDevice = plainGreedy || onBackend !== undefined;
    const hostSampled = async function* (model: LlamaModel): AsyncGenerator<number, void, undefined> {
      let tokens: readonly number[] = ids;
      for (;;) {
        const logits = await model.evaluate(tokens);
        if (json) mask!.apply(logits, json);
        const token = chain.sample(logits);
        yield token;
        tokens = [token];
      }
    };
    const chosen = onDevice ? this.model.decode(ids, onBackend && { settings: onBackend, draw: () => draws.nextU32() }) : hostSampled(this.model);
    const decoder = this.tokenizer.createStreamDecoder();
    const stops = new StopStringFilter(options.stop ?? []);

    Object.assign(this.stats, { promptTokens: ids.length, generatedTokens: 0, prefillMs: 0, decodeMs: 0 });
    this.model.reset();
    let start = performance.now();
    const contextFull = (evaluated: number) => new LlamitaError('E_CONTEXT_FULL', `context is full after ${evaluated} tokens (context size ${this.model.contextSize})`);
    const nextChosen = async (evaluated: number): Promise<number> => {
      const step = await chosen.next();
      if (step.done) throw contextFull(evaluated);
      return step.value;
    };
    try {
      let token = await nextChosen(ids.length);
      this.stats.prefillMs = performance.now() - start;
      start = performance.now();
      while (this.stats.generatedTokens < maxTokens) {
        if (signal?.aborted) break;
        if (json && !json.complete && maxTokens - this.stats.generatedTokens <= mask!.spell(json.closingText()).length) {
          // out of budget: spell the shortest closing text instead of sampling
          for (const id of mask!.spell(json.closingText())) {
            this.stats.generatedTokens++;
            yield { id, text: stops.push(decoder.push(id)) };
          }
          json = undefined;
          break;
        }
        if (stopAtEos && token === this.tokenizer.vocab.eos) break;
        this.stats.generatedTokens++;
        chain.accept(token);
        if (json) json = json.advance(new TextDecoder().decode(this.tokenizer.tokenBytes(token)));
        const text = stops.push(decoder.push(token));
        if (text || !stops.stopped) yield { id: token, text };
        if (stops.stopped || this.stats.generatedTokens >= maxTokens || (json && json.complete && json.closingText() === '')) break;
        // the prompt and every id but the last are in the cache
        const evaluated = ids.length + this.stats.generatedTokens - 1;
        if (evaluated >= this.model.contextSize) throw contextFull(evaluated);
        token = await nextChosen(evaluated);
      }
    } finally {
      // takes back the step the model queued ahead
      await chosen.return();
    }
    this.stats.decodeMs = performance.now() - start;
    const tail = stops.stopped ? '' : stops.push(decoder.flush()) + stops.flush();
    if (tail) yield { id: -1, text: tail };
  }

  /** DRY's default sequence breakers (llama.cpp's: newline, colon, quote, asterisk), by token text. */
  private dryBreakers(): (token: number) => boolean {
    const cache = new Map<number, boolean>();
    return (token) => {
      let hit = cache.get(token);
      if (hit === undefined) {
        const text = new TextDecoder().decode(this.tokenizer.tokenBytes(token));
        hit = /[\n:"*]/.test(text);
        cache.set(token, hit);
      }
      return hit;
    };
  }

  /**
   * Frees what the engine created: the model's buffers, the backend when the
   * engine created it (a backend passed in stays usable), and the weights' source.
   */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.model.dispose();
    if (this.ownsBackend) this.model.backend.dispose();
    for (const close of this.closers.splice(0)) void Promise.resolve(close()).catch(() => undefined);
  }
}

/**
 * The sample op's settings when `o` asks for a chain of top-k, top-p, min-p and
 * temperature only, in llama.cpp's order (every other link off): that chain and
 * the op draw the same ids from the same draws. Otherwise undefined.
 */
function sampleOpSettings(o: GenerateOptions): SampleSettings | undefined {
  const othersOff =
    !o.logitBias?.size &&
    (o.repeatPenalty ?? 1) === 1 &&
    !o.presencePenalty &&
    !o.frequencyPenalty &&
    !o.dryMultiplier &&
    (o.typicalP ?? 1) >= 1 &&
    !o.xtcProbability &&
    !o.mirostat &&
    (o.order === undefined || o.order.join() === DEFAULT_ORDER.join());
  const d = SAMPLING_DEFAULTS;
  return othersOff ? { topK: o.topK ?? d.topK, topP: o.topP ?? d.topP, minP: o.minP ?? d.minP, temperature: o.temperature ?? d.temperature } : undefined;
}
