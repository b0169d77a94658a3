import {
  CONTRACT_VERSION,
  LlamitaError,
  byteSize,
  type BackendFactory,
  type BackendInfo,
  type AddOp,
  type AttentionOp,
  type BufferHandle,
  type BufferSpec,
  type DType,
  type Graph,
  type MatmulOp,
  type Op,
  type OpName,
  type PreparedGraph,
  type RmsNormOp,
  type RopeOp,
  type Support,
  type SwigluOp,
  type Tensor,
  numel,
  checkGraph,
  sequentialGraph,
  type Backend,
} from '@llamita/core';
import { LLAMA_CPP_X86_NUMERICS, TensorViews, executeReference, type kernels as reference } from '@llamita/backend-js';
import { dequantize, f16ToF32, ropeCosSin } from '@llamita/tensor';
import { detectWasmFeatures } from './features.js';
import { instantiateKernels, kernelModule, KERNEL_NAMES, type KernelExports, type KernelName } from './kernels-module.js';
import { MAX_THREADS, ThreadPool } from './thread-pool.js';
import { MAX_PAGES, WasmArena } from './arena.js';
import { canBlockHere, hardwareThreads } from './threads.js';
import { InterleavedWeights, isInterleaved, type InterleavedWeight } from './weight-layout.js';

const PAGE = 65536;
/** Weight types with a SIMD kernel (all of GGUF's common types); any other runs the reference kernels. */
const WASM_WEIGHTS = new Set<DType>(['f32', 'f16', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'q2_k', 'q3_k', 'q4_k', 'q5_k', 'q6_k']);
/** Bytes below this belong to the AssemblyScript runtime's static data. */
const RESERVED = PAGE;
/** Room kept for the backend's own scratch (converted activations, attention, repacking, RoPE tables) when telling loaders the limit. */
const SCRATCH_ALLOWANCE = 64 << 20;
/** Products smaller than this (m·k·n multiply-adds) run on the calling thread alone: waking the pool costs more. */
const MIN_PARALLEL_WORK = 1 << 18;

/** Options of {@link WasmBackend.create}. */
export interface WasmBackendOptions {
  /**
   * Threads that split each matmul, the calling one included. Defaults to the
   * hardware concurrency. More than one needs shared memory (Node, or a
   * cross-origin isolated page) and a caller allowed to block (not a browser's
   * main thread); otherwise the backend runs single-threaded and says why in `info`.
   */
  readonly threads?: number;
  /**
   * Use the relaxed-SIMD kernels (one dot-product instruction per 16 int8
   * pairs). Defaults to true where the runtime has relaxed SIMD (Chromium,
   * Node 22+, Node 20 with `--experimental-wasm-relaxed-simd`); false forces
   * the plain SIMD128 kernels. Results are the same: the kernels keep the
   * relaxed operations inside their defined range.
   */
  readonly relaxedSimd?: boolean;
  /**
   * Milliseconds without progress after which a task gives up a worker thread
   * as dead or hung (default 60,000): the task throws `E_BACKEND_UNAVAILABLE`
   * and the workers restart while later tasks run on the calling thread. Only
   * silence counts, never a long task: a descheduled thread still progresses.
   */
  readonly workerStallMs?: number;
}

/**
 * What a matmul converts its activations to: llama.cpp's partner type of the
 * weight type (Q8_1 quants are Q8_0's). The `-blocks` kinds hold the same
 * values block-major (block b of every row side by side), for the Q4_0 and
 * Q4_K kernels, which take one block of every row in turn.
 */
type ActivationKind = 'q8_0' | 'q8_k' | 'q8_0-blocks' | 'q8_k-blocks' | 'f16' | 'bf16';

/** The activation rows last converted for a matmul, reused while `x` is unchanged. */
interface ConvertedInput {
  readonly x: number;
  readonly count: number;
  readonly kind: ActivationKind;
}

/** Activation conversion of each weight type with a SIMD kernel (f32 needs none). */
const ACTIVATION: Partial<Record<DType, ActivationKind>> = {
  f16: 'f16',
  bf16: 'bf16',
  q8_0: 'q8_0',
  q4_0: 'q8_0-blocks',
  q4_1: 'q8_0',
  q5_0: 'q8_0',
  q5_1: 'q8_0',
  q2_k: 'q8_k',
  q3_k: 'q8_k',
  q4_k: 'q8_k-blocks',
  q5_k: 'q8_k',
  q6_k: 'q8_k',
};

/** The kernels that take (quants, scales, sums, w, out, m, k, n, f16 table). */
const MATMUL_KERNEL: Partial<Record<DType, KernelName>> = {
  q4_1: 'matmulQ4_1',
  q5_0: 'matmulQ5_0',
  q5_1: 'matmulQ5_1',
  q2_k: 'matmulQ2_K',
  q3_k: 'matmulQ3_K',
  q5_k: 'matmulQ5_K',
  q6_k: 'matmulQ6_K',
};

/** A region of the wasm memory owned by one buffer. */
interface Region {
  readonly offset: number;
  readonly byteLength: number;
}

/**
 * The WebAssembly backend: every buffer lives in one `WebAssembly.Memory`
 * (weights included, with no second copy in JavaScript). Matmuls with every
 * weight type (f32, f16, bf16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K..Q6_K), f16-cache attention, RMSNorm, RoPE, SwiGLU and
 * add run as SIMD128 kernels (relaxed SIMD where the runtime has it), split
 * across a pool of worker threads; quantized matmuls take integer dot
 * products against the activation row converted once to llama.cpp's partner
 * type. The other ops run the reference TypeScript kernels over the same memory.
 */
export class WasmBackend implements Backend {
  /** @inheritDoc */
  readonly info: BackendInfo;
  private readonly regions = new Map<number, Region>();
  private disposed = false;
  /** Views of tensors in the memory, for the reference kernels (which read interleaved weights through `rows`). */
  private readonly views: TensorViews;
  /**
   * The SIMD kernels, by op: each runs the op and says true, or says false for
   * an op it does not take (a dtype or shape without a kernel), which the
   * reference kernels then run over the same memory.
   */
  private readonly simd: { readonly [K in OpName]?: (op: Extract<Op, { op: K }>) => boolean } = {
    attention: (op) => op.k.dtype === 'f16' && op.q.shape[2]! % 4 === 0 && (this.attention(op), true),
    rope: (op) => op.x.shape[2]! % 4 === 0 && (this.rope(op), true),
    swiglu: (op) => (this.elementwise(op), true),
    add: (op) => (this.elementwise(op), true),
    rms_norm: (op) => (this.elementwise(op), true),
    matmul: (op) => this.matmul(op),
  };
  private nextBufferId = 1;
  private readonly arena: WasmArena;
  private readonly f16Table: number;
  private scratch: Region = { offset: 0, byteLength: 0 };
  private converted: ConvertedInput | undefined;
  private attentionScratch: Region = { offset: 0, byteLength: 0 };
  private packScratch: Region = { offset: 0, byteLength: 0 };
  private chains: Region = { offset: 0, byteLength: 0 };
  private ropeTables: Region = { offset: 0, byteLength: 0 };
  /** Q4_0 and Q4_K weight buffers, in their kernels' interleaved layout from allocation on. */
  private readonly interleaved: InterleavedWeights;
  /** The positions and settings the RoPE tables were last computed for (q and k of every layer share them). */
  private ropeKey: { positions: Int32Array; theta: number; half: boolean; hd: number; factors: Float32Array | undefined } | undefined;

  private constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly kernels: KernelExports,
    private readonly pool: ThreadPool | undefined,
    threading: string,
    relaxed: boolean,
  ) {
    this.info = {
      name: 'wasm',
      contractVersion: CONTRACT_VERSION,
      description: `WebAssembly SIMD128 (${relaxed ? 'relaxed SIMD' : 'plain SIMD, no relaxed SIMD'}; ${threading})`,
      // the kernels mirror the reference backend's roundings
      numerics: LLAMA_CPP_X86_NUMERICS,
      // what is left of wasm32's 4 GiB after the f16 table and the kernels' own scratch (at most a few MiB for TinyLlama)
      memoryLimitBytes: MAX_PAGES * PAGE - RESERVED - 65536 * 4 - SCRATCH_ALLOWANCE,
    };
    this.arena = new WasmArena(memory, RESERVED);
    this.views = new WasmViews(
      (buffer) => this.storage(buffer),
      (t) => this.interleavedRows(t),
    );
    this.interleaved = new InterleavedWeights({
      bytes: () => new Uint8Array(this.memory.buffer),
      repack: (address, rows, w, unpack) => this.repack(address, rows, w, unpack),
    });
    // every half-precision value as f32, so kernels decode block scales with one load
    this.f16Table = this.reserve(65536 * 4);
    const table = new Float32Array(this.memory.buffer, this.f16Table, 65536);
    for (let h = 0; h < 65536; h++) table[h] = f16ToF32(h);
  }

  /**
   * Creates a backend with its own memory and, for more than one thread, its
   * own pool of workers.
   * @throws LlamitaError `E_INVALID_ARGUMENT` for a thread count that is not a
   * positive integer up to 64; `E_BACKEND_UNAVAILABLE` when relaxed SIMD is
   * asked for and missing, or the workers cannot start.
   */
  static async create(options: WasmBackendOptions = {}): Promise<WasmBackend> {
    const features = detectWasmFeatures();
    const relaxed = options.relaxedSimd ?? features.relaxedSimd;
    if (relaxed && !features.relaxedSimd) throw new LlamitaError('E_BACKEND_UNAVAILABLE', 'this runtime has no relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd)');
    const wanted = options.threads ?? (await hardwareThreads());
    if (!Number.isInteger(wanted) || wanted < 1 || wanted > MAX_THREADS) {
      throw new LlamitaError('E_INVALID_ARGUMENT', `threads must be an integer from 1 to ${MAX_THREADS}, got ${wanted}`);
    }
    const why = wanted === 1 ? 'one thread requested' : !features.threads ? 'no shared memory here (a browser page must be cross-origin isolated)' : undefined;
    if (why) {
      const memory = new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES });
      return new WasmBackend(memory, await instantiateKernels(await kernelModule('single', relaxed), memory), undefined, `single thread: ${why}`, relaxed);
    }
    const memory = new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES, shared: true });
    const module = await kernelModule('shared', relaxed);
    const pool = await ThreadPool.create(module, memory, wanted, KERNEL_NAMES, canBlockHere(), options.workerStallMs);
    return new WasmBackend(memory, await instantiateKernels(module, memory), pool, `${wanted} threads`, relaxed);
  }

  /** Threads that split each matmul, this one included. */
  get threads(): number {
    return this.pool?.threads ?? 1;
  }

  /** The highest byte of wasm memory used so far (weights, cache, scratch); freed space below it is used again. */
  get memoryBytes(): number {
    return this.arena.highWater;
  }

  /** Bytes of wasm memory held by live buffers and the backend's own scratch. */
  get liveBytes(): number {
    return this.arena.liveBytes;
  }

  /** Takes `bytes` (16-byte aligned, zero-filled) of memory. */
  private reserve(bytes: number): number {
    return this.arena.take(bytes);
  }

  /** A scratch region of at least `bytes`: `region` itself when it is large enough, else a new one (the old one is freed). */
  private regrow(region: Region, bytes: number): Region {
    if (region.byteLength >= bytes) return region;
    if (region.byteLength) this.arena.give(region.offset, region.byteLength);
    return { offset: this.reserve(bytes), byteLength: bytes };
  }

  /**
   * A new zero-filled buffer in wasm memory (16-byte aligned). Q4_0 and Q4_K
   * weights (`usage: 'weights'` with a `[rows, cols]` shape) are kept in
   * their kernels' interleaved layout from here on.
   */
  allocate(spec: BufferSpec): BufferHandle {
    this.checkAlive();
    const { byteLength, label } = spec;
    if (!Number.isSafeInteger(byteLength) || byteLength < 0) {
      throw new LlamitaError('E_INVALID_ARGUMENT', `cannot allocate ${byteLength} bytes${label ? ` for ${label}` : ''}`);
    }
    const id = this.nextBufferId++;
    const offset = this.reserve(Math.max(4, byteLength));
    this.regions.set(id, { offset, byteLength });
    const { usage, dtype, shape } = spec;
    if (usage === 'weights' && dtype && isInterleaved(dtype) && shape?.length === 2 && byteSize(dtype, shape) === byteLength) this.interleaved.add(id, offset, dtype, shape);
    return { backend: 'wasm', id, byteLength };
  }

  /** Frees a buffer; its memory is used again by later buffers. */
  release(buffer: BufferHandle): void {
    const region = this.regions.get(buffer.id);
    if (!region) return;
    this.interleaved.delete(buffer.id);
    this.regions.delete(buffer.id);
    this.arena.give(region.offset, Math.max(4, region.byteLength));
  }

  /** Frees every buffer and stops the worker threads; later calls throw `E_DISPOSED`. */
  dispose(): void {
    this.regions.clear();
    this.interleaved.clear();
    this.pool?.dispose();
    this.disposed = true;
  }

  /** Writes bytes in GGUF's layout (into an interleaved weight, by rewriting the groups of rows it touches). */
  write(buffer: BufferHandle, byteOffset: number, data: ArrayBufferView): void {
    this.converted = undefined;
    const region = this.region(buffer);
    if (byteOffset < 0 || byteOffset + data.byteLength > buffer.byteLength) {
      throw new LlamitaError('E_OUT_OF_BOUNDS', `writing ${data.byteLength} bytes at ${byteOffset} overflows a buffer of ${buffer.byteLength}`);
    }
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (this.interleaved.has(buffer.id)) this.interleaved.write(buffer.id, byteOffset, bytes);
    else new Uint8Array(this.memory.buffer, region.offset + byteOffset, bytes.byteLength).set(bytes);
  }

  /** Returns the bytes in GGUF's layout, also of an interleaved weight (a copy is rearranged; the buffer is not changed). */
  async read(tensor: Tensor): Promise<Uint8Array> {
    const [from, to] = [tensor.byteOffset, tensor.byteOffset + byteSize(tensor.dtype, tensor.shape)];
    const bytes = this.storage(tensor.buffer);
    return this.interleaved.has(tensor.buffer.id) ? this.interleaved.read(tensor.buffer.id, from, to) : bytes.slice(from, to);
  }

  /** Every op of the contract: the SIMD kernels or, where they have none, the reference kernels over the same memory. */
  supports(_op: Op): Support {
    return { ok: true };
  }

  /** Checks the graph once; each run executes its ops in order (the SIMD kernels split across the pool). */
  prepare(graph: Graph): PreparedGraph {
    this.checkAlive();
    checkGraph(this, graph);
    return sequentialGraph(
      graph,
      (op) => this.execute(op),
      () => this.checkAlive(),
    );
  }

  run(graph: Graph): void {
    this.prepare(graph).run();
  }

  /** @throws LlamitaError `E_DISPOSED` once the backend was disposed. */
  private checkAlive(): void {
    if (this.disposed) throw new LlamitaError('E_DISPOSED', 'the wasm backend was disposed');
  }

  /** The bytes of a live buffer (a view made now: an unshared memory that grew detached the old ones). */
  private storage(buffer: BufferHandle): Uint8Array {
    const region = this.region(buffer);
    return new Uint8Array(this.memory.buffer, region.offset, region.byteLength);
  }

  /** The live region of a buffer of this backend. */
  private region(buffer: BufferHandle): Region {
    this.checkAlive();
    const region = buffer.backend === 'wasm' ? this.regions.get(buffer.id) : undefined;
    if (!region) throw new LlamitaError('E_DISPOSED', `buffer ${buffer.backend}#${buffer.id} is not a live buffer of this backend`);
    return region;
  }

  /** Absolute address of a tensor in wasm memory (no view is made: ops take several per call). */
  private address(buffer: BufferHandle, byteOffset: number): number {
    return this.region(buffer).offset + byteOffset;
  }

  /** Runs one validated op: its SIMD kernel, or the reference kernels. */
  private execute(op: Op): void {
    const kernel = this.simd[op.op] as ((op: Op) => boolean) | undefined;
    if (kernel?.(op)) return;
    // the reference kernels may write any tensor: a later matmul must convert its input again
    this.converted = undefined;
    executeReference(op, this.views);
  }

  /** A matmul in SIMD, or false for weights without a kernel here (the reference kernels run it then). */
  private matmul(op: MatmulOp): boolean {
    if (!WASM_WEIGHTS.has(op.w.dtype)) return false;
    // the Q4_0/Q4_K kernels read four weight rows at a time from the interleaved layout: a weight allocated as anything else runs the reference kernels
    if (isInterleaved(op.w.dtype) && !this.interleaved.weightOf(op.w)) return false;
    this.matmulSimd(op);
    return true;
  }

  /** A matmul with SIMD kernels: activations converted once to llama.cpp's partner type, then the dots. */
  private matmulSimd(op: MatmulOp): void {
    const [m, k] = op.x.shape as [number, number];
    const n = op.w.shape[0]!;
    if (m === 0 || n === 0) return;
    const x = this.address(op.x.buffer, op.x.byteOffset);
    const w = this.address(op.w.buffer, op.w.byteOffset);
    const out = this.address(op.out.buffer, op.out.byteOffset);
    if (op.w.dtype === 'f32') return this.dispatch('matmulF32', [x, w, out, m, k, n], n, m * k * n);
    // each activation row is converted once, to the partner type llama.cpp uses for the weight type
    const input = this.convertInput(x, m, k, ACTIVATION[op.w.dtype]!);
    // a later matmul reading its own output as input must not reuse the conversion
    if (out < x + m * k * 4 && x < out + m * n * 4) this.converted = undefined;
    const work = m * k * n;
    const f16 = this.f16Table;
    const { qs, ds, sums } = input;
    switch (op.w.dtype) {
      case 'f16':
        return this.dispatch('matmulF16', [qs, w, out, m, k, n, f16], n, work);
      case 'bf16':
        return this.dispatch('matmulBF16', [qs, w, out, m, k, n, f16], n, work);
      case 'q8_0':
        return this.dispatch('matmulQ8_0', [qs, ds, w, out, m, k, n, f16], n, work);
      case 'q4_0':
      case 'q4_k':
        // their f32 chains wait in a little scratch per thread (16 bytes per activation row and chain)
        return this.dispatch(op.w.dtype === 'q4_0' ? 'matmulQ4_0' : 'matmulQ4_K', [qs, ds, sums, w, out, m, k, n, f16, this.chainScratch(m * 32)], n, work);
      default:
        return this.dispatch(MATMUL_KERNEL[op.w.dtype]!, [qs, ds, sums, w, out, m, k, n, f16], n, work);
    }
  }

  /** Room for `bytesPerThread` of scratch for each thread of the pool (the kernels find their part by their thread index). */
  private chainScratch(bytesPerThread: number): number {
    const bytes = bytesPerThread * this.threads;
    this.chains = this.regrow(this.chains, bytes);
    return this.chains.offset;
  }

  /**
   * Converts the `[m, k]` f32 rows at `x` into scratch for a matmul: Q8_0 or
   * Q8_K quants with their scales and group sums (per 32 for Q8_0, which the
   * offsets and mins of Q4_0/Q4_1/Q5_x need; per 16 for Q8_K, for the k-quants'
   * mins and offsets), or the rows rounded to f16/bf16 (in `qs`, as f32) —
   * unless the previous matmul already did so for the same input (q, k and v
   * share one).
   */
  private convertInput(x: number, m: number, k: number, kind: ActivationKind): { qs: number; ds: number; sums: number } {
    const count = m * k;
    const half = kind === 'f16' || kind === 'bf16';
    const kQuants = kind === 'q8_k' || kind === 'q8_k-blocks';
    const block = kQuants ? 256 : 32;
    const group = kQuants ? 16 : 32;
    const qsBytes = half ? count * 4 : (count + 15) & ~15;
    const dsBytes = half ? 0 : (count / block) * 4;
    const sumsBytes = half ? 0 : (count / group) * 4;
    const reuse = this.converted?.x === x && this.converted.count === count && this.converted.kind === kind;
    const scratch = reuse ? this.scratch.offset : this.scratchFor(qsBytes + dsBytes + sumsBytes);
    const at = { qs: scratch, ds: scratch + qsBytes, sums: scratch + qsBytes + dsBytes };
    if (reuse) return at;
    // split across threads in prefill (by rows, or by chunks of four); a converted element costs about 16 multiply-adds
    if (half) this.dispatch('roundToHalf', [x, at.qs, count, kind === 'bf16' ? 1 : 0], Math.ceil(count / 4), count * 16, 1);
    else this.dispatch(kQuants ? 'quantizeQ8K' : 'quantizeQ8_0', [x, m, k, at.qs, at.ds, at.sums, kind.endsWith('-blocks') ? 1 : 0], m, count * 16, 1);
    this.converted = { x, count, kind };
    return at;
  }

  /** SwiGLU, add and RMSNorm in SIMD: elementwise ops split by 4-element chunks, RMSNorm by rows. */
  private elementwise(op: SwigluOp | AddOp | RmsNormOp): void {
    const at = (t: Tensor) => this.address(t.buffer, t.byteOffset);
    if (op.op === 'rms_norm') {
      const [m, n] = op.x.shape as [number, number];
      return this.dispatch('rmsNorm', [at(op.x), at(op.weight), op.eps, m, n, at(op.out)], m, m * n * 4, 1);
    }
    const count = numel(op.out.shape);
    const [a, b] = op.op === 'swiglu' ? [op.gate, op.up] : [op.a, op.b];
    const width = numel(b.shape);
    // an add of one row to each row of a (a bias): row by row
    if (width < count) {
      for (let row = 0; row < count; row += width) this.dispatch('add', [at(a) + 4 * row, at(b), at(op.out) + 4 * row, width], Math.ceil(width / 4), width, 1);
      return;
    }
    // silu's exponential costs about as much as 16 multiply-adds
    this.dispatch(op.op, [at(a), at(b), at(op.out), count], Math.ceil(count / 4), count * (op.op === 'swiglu' ? 16 : 1), 1);
  }

  /**
   * RoPE in SIMD: the angles (ggml's, from `ropeCosSin`, as the reference
   * kernel) become per-token cos/sin tables here, laid out per element with the
   * signs of the rotation, and the kernel rotates every head with them.
   */
  private rope(op: RopeOp): void {
    const [m, heads, hd] = op.x.shape as [number, number, number];
    const half = op.mode === 'half';
    const tableBytes = m * hd * 4;
    // reserve before taking views: growing an unshared memory detaches every view of it
    if (this.ropeTables.byteLength < 2 * tableBytes) {
      this.ropeTables = this.regrow(this.ropeTables, 2 * tableBytes);
      this.ropeKey = undefined;
    }
    const positions = this.views.i32(op.positions);
    const factors = op.freqFactors && this.views.f32(op.freqFactors);
    const key = this.ropeKey;
    const same =
      key && key.theta === op.theta && key.half === half && key.hd === hd && sameValues(key.factors, factors) && key.positions.length === m && key.positions.every((p, t) => p === positions[t]);
    if (!same) this.fillRopeTables(positions, op.theta, half, hd, tableBytes, factors);
    const at = (t: Tensor) => this.address(t.buffer, t.byteOffset);
    this.dispatch('rope', [at(op.x), at(op.out), this.ropeTables.offset, this.ropeTables.offset + tableBytes, m, heads, hd, half ? 1 : 0], m, m * heads * hd * 4, 1);
  }

  /** Fills the RoPE cos/sin tables for `positions` and remembers what they are for. */
  private fillRopeTables(positions: Int32Array, theta: number, half: boolean, hd: number, tableBytes: number, factors: Float32Array | undefined): void {
    const m = positions.length;
    const cos = new Float32Array(this.memory.buffer, this.ropeTables.offset, m * hd);
    const sin = new Float32Array(this.memory.buffer, this.ropeTables.offset + tableBytes, m * hd);
    const pairCos = new Float32Array(hd / 2);
    const pairSin = new Float32Array(hd / 2);
    for (let t = 0; t < m; t++) {
      ropeCosSin(positions[t]!, theta, hd, pairCos, pairSin, factors);
      for (let i = 0; i < hd / 2; i++) {
        // the elements of pair i, and the sign of sin for each: first -, second +
        const [a, b] = half ? [i, i + hd / 2] : [2 * i, 2 * i + 1];
        cos[t * hd + a] = cos[t * hd + b] = pairCos[i]!;
        sin[t * hd + a] = -pairSin[i]!;
        sin[t * hd + b] = pairSin[i]!;
      }
    }
    this.ropeKey = { positions: positions.slice(), theta, half, hd, factors: factors?.slice() };
  }

  /** Attention over an f16 cache in SIMD, split across threads by KV head. */
  private attention(op: AttentionOp): void {
    const [m, nHead, hd] = op.q.shape as [number, number, number];
    const [ctx, nKv] = op.k.shape as [number, number];
    let span = 0;
    for (const p of this.views.i32(op.positions)) {
      if (p < 0 || p >= ctx) throw new LlamitaError('E_OUT_OF_BOUNDS', `attention position ${p} is outside the cache [0, ${ctx})`, { position: p, contextSize: ctx });
      span = Math.max(span, p + 1);
    }
    const scratchBytes = nKv * this.kernels.attentionScratchBytes(nHead / nKv, hd, m);
    this.attentionScratch = this.regrow(this.attentionScratch, scratchBytes);
    const args = [
      this.address(op.q.buffer, op.q.byteOffset),
      this.address(op.k.buffer, op.k.byteOffset),
      this.address(op.v.buffer, op.v.byteOffset),
      this.address(op.positions.buffer, op.positions.byteOffset),
      op.scale,
      m,
      nHead,
      nKv,
      hd,
      ctx,
      this.address(op.out.buffer, op.out.byteOffset),
      this.attentionScratch.offset,
    ];
    // split by KV head (each thread converts its K and V rows once for the whole group)
    this.dispatch('attentionF16', args, nKv, m * nHead * hd * span, 1);
  }

  /** Rewrites `rows` rows of `w` at `address` into (or, with `unpack`, out of) the interleaved layout, in place. */
  private repack(address: number, rows: number, w: InterleavedWeight, unpack: boolean): void {
    const rowBytes = byteSize(w.dtype, [w.cols]);
    this.packScratch = this.regrow(this.packScratch, 4 * rowBytes);
    const { block, header, payload } = InterleavedWeights.geometry(w.dtype);
    this.kernels.repackWords4(address, rows, w.cols / block, header, payload, this.packScratch.offset, unpack ? 1 : 0);
  }

  /** Row reader of an interleaved weight (the embedding op reads them), or undefined for any other tensor. */
  private interleavedRows(t: Tensor): reference.RowReader | undefined {
    const w = this.interleaved.weightOf(t);
    if (!w) return undefined;
    const row = new Uint8Array(byteSize(w.dtype, [w.cols]));
    return (r, out) => {
      this.interleaved.ggufRow(w, r, row);
      dequantize(w.dtype, row, 0, w.cols, out, 0);
    };
  }

  /** Runs a kernel over all `n` output columns: split across the pool (at multiples of `align`) when there is enough work, else here. */
  private dispatch(name: KernelName, args: number[], n: number, work: number, align = 4): void {
    const kernel = this.kernels[name] as (...a: number[]) => void;
    if (this.pool && work >= MIN_PARALLEL_WORK) this.pool.run(name, kernel, args, n, align);
    else kernel(...args, 0, n);
  }

  /** A scratch area of at least `bytes`, kept at a fixed place once allocated (16-byte aligned). */
  private scratchFor(bytes: number): number {
    if (this.scratch.byteLength < bytes) {
      this.converted = undefined;
      this.scratch = this.regrow(this.scratch, Math.max(bytes, this.scratch.byteLength * 2, 1 << 16));
    }
    return this.scratch.offset;
  }
}

/** The reference kernels' views of wasm memory, with interleaved weights read back row by row in GGUF's layout. */
class WasmViews extends TensorViews {
  constructor(
    storage: (buffer: BufferHandle) => Uint8Array,
    private readonly interleaved: (t: Tensor) => reference.RowReader | undefined,
  ) {
    super(storage);
  }

  override rows(t: Tensor): reference.RowReader {
    return this.interleaved(t) ?? super.rows(t);
  }
}

/** Factory for {@link WasmBackend}: probes SIMD support and that the kernels load. */
export const wasmBackend: BackendFactory<WasmBackendOptions> = {
  name: 'wasm',
  async probe() {
    const f = detectWasmFeatures();
    if (!f.simd) return { ok: false, reason: 'this runtime has no WebAssembly SIMD128' };
    try {
      await kernelModule('single');
      if (f.threads) await kernelModule('shared');
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
    const threads = f.threads ? `up to ${await hardwareThreads()} threads` : 'single thread (no shared memory)';
    return { ok: true, description: `WebAssembly SIMD128${f.relaxedSimd ? ' (relaxed SIMD available)' : ''}, ${threads}` };
  },
  create: (options?: WasmBackendOptions) => WasmBackend.create(options),
};

/** Whether two optional arrays hold the same numbers (both absent counts as the same). */
function sameValues(a: Float32Array | undefined, b: Float32Array | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]));
}
