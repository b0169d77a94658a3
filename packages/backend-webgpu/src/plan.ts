import { DTYPE_INFO, LlamitaError, numel, opTimingKey, sliceRows, type Op, type Tensor } from '@llamita/core';
import type { FusedMatmul, FusedRopeCache, PlannedOp } from './fuse.js';
import { SUMMED_ACTIVATIONS, hasIntDot, hasPairDecoder, type KernelId, type WgslWeightType } from './kernels.js';
import type { Overrides } from './pipelines.js';

/** Largest workgroup count per dispatch dimension (WebGPU's default maxComputeWorkgroupsPerDimension). */
export const MAX_GROUPS = 65535;
/** Threads of the elementwise, norm, embedding and select kernels (their WGSL default). */
const WG = 256;
/** Threads of a matmul workgroup at most. */
const MATMUL_WG = 256;
/** Most threads one matmul output gets (they split its row). */
const MATMUL_MAX_THREADS_PER_ROW = 64;
/** Threads per output of a quantized matmul over a long enough output dimension: the rest go to more outputs sharing the staged rows. */
const MATMUL_QUANT_THREADS_PER_ROW = 16;
/** Workgroups a matmul should have at least where its outputs allow: fewer leave a large GPU mostly idle. */
const MATMUL_MIN_GROUPS = 128;
/** Fewest row elements a matmul thread covers per chunk: one block of 32. */
const MATMUL_ELEMENTS_PER_THREAD = 32;
/** Most x rows a matmul workgroup computes (matmul.wgsl's TM_MAX). */
const MATMUL_MAX_TM = 8;
/** Elements a matmul workgroup stages at once over all its x rows (matmul.wgsl's KC). */
const MATMUL_STAGED = 2048;

const nextPow2 = (x: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, x)));
const prevPow2 = (x: number): number => 2 ** Math.floor(Math.log2(Math.max(1, x)));

/** Batch rows from which a matmul runs tiled (matmul_tiled.wgsl): below, the matrix-vector kernel with up to 8 rows a workgroup wastes less of its tile. */
const MATMUL_TILED_MIN_M = 32;
/**
 * matmul_tiled.wgsl's tile: `mt` x rows by `nt` outputs a workgroup of 256
 * threads, each adding `rm` x `rn` products a step.
 */
export interface TiledShape {
  /** x rows a workgroup computes (matmul_tiled.wgsl's MT). */
  readonly mt: number;
  /** Outputs (weight rows) a workgroup computes (NT). */
  readonly nt: number;
  /** x rows of a thread's products (RM). */
  readonly rm: number;
  /** Outputs of a thread's products (RN). */
  readonly rn: number;
}

/** matmul_tiled.wgsl's K step: one 32-element segment. */
const MATMUL_TILE_K = 32;
/**
 * The tiles tried, largest first: more products per thread per value staged
 * (a 4 x 8 register tile reads 12 staged values for 32 products, 2 x 4 reads 6
 * for 8), as far as the device's workgroup memory holds the tiles.
 */
const TILED_SHAPES: readonly TiledShape[] = [
  { mt: 64, nt: 128, rm: 4, rn: 8 },
  { mt: 64, nt: 64, rm: 4, rn: 4 },
  { mt: 32, nt: 64, rm: 2, rn: 4 },
];

/** Workgroup memory a tile takes: both tiles with a pad word a row, and two f32 per x row. */
const tiledBytes = (t: TiledShape): number => ((t.mt + t.nt) * (MATMUL_TILE_K + 1) + 2 * t.mt) * 4;

/**
 * `tile` if matmul_tiled.wgsl can run it on a device with
 * `maxComputeWorkgroupStorageSize` bytes of workgroup memory: 256 threads
 * ((mt / rm) · (nt / rn)), whole register tiles, memory that fits.
 * @throws LlamitaError `E_INVALID_ARGUMENT` saying which rule it breaks.
 */
export function checkTiledShape(tile: TiledShape, maxComputeWorkgroupStorageSize: number): TiledShape {
  const { mt, nt, rm, rn } = tile;
  const bad = (why: string) => new LlamitaError('E_INVALID_ARGUMENT', `prefill tile ${mt}x${nt}/${rm}x${rn}: ${why}`);
  if (![mt, nt, rm, rn].every((v) => Number.isInteger(v) && v > 0) || mt % rm !== 0 || nt % rn !== 0) throw bad('rm and rn must divide mt and nt');
  if ((mt / rm) * (nt / rn) !== 256) throw bad(`(mt / rm) * (nt / rn) must be 256 threads, not ${(mt / rm) * (nt / rn)}`);
  if (tiledBytes(tile) > maxComputeWorkgroupStorageSize) throw bad(`needs ${tiledBytes(tile)} bytes of workgroup memory, the device has ${maxComputeWorkgroupStorageSize}`);
  // matmul_tiled_int.wgsl quantizes a block of each x row with 4 of the 256 threads
  if (mt > 64) throw bad('mt must be at most 64');
  return tile;
}

/**
 * Most outputs a narrow tile has: the tile of unquantized weights (F32, F16,
 * BF16) and of the integer dot (matmul_tiled_int.wgsl). On the lent H100
 * those ran faster at 64 × 64 than at 64 × 128 (F16 prefill 2,873 against
 * 2,102 tok/s; Q4_0 in integers 7,174 against 6,386), where quantized weights
 * decoded to f32 ran the other way round (Q4_0: 3,559 against 3,329).
 */
const NARROW_TILE_MAX_OUTPUTS = 64;

/**
 * The largest tile whose workgroup memory fits `maxComputeWorkgroupStorageSize`
 * (WebGPU guarantees 16 KiB, which the smallest fits); `narrow`, at most 64
 * outputs (see {@link PlanOptions.narrowTile}).
 */
export function tiledShapeFor(maxComputeWorkgroupStorageSize: number, narrow = false): TiledShape {
  const fits = (t: TiledShape) => tiledBytes(t) <= maxComputeWorkgroupStorageSize && (!narrow || t.nt <= NARROW_TILE_MAX_OUTPUTS);
  return TILED_SHAPES.find(fits) ?? TILED_SHAPES[TILED_SHAPES.length - 1]!;
}
/** A matmul workgroup's tile: `tm` x rows by `rows` outputs, `threads` threads per output. */
export interface MatmulShape {
  /** Outputs (weight rows) per workgroup: matmul.wgsl's ROWS. */
  readonly rows: number;
  /** Threads per output; the workgroup has rows * threads. */
  readonly threads: number;
  /** x rows per workgroup: matmul.wgsl's TM. */
  readonly tm: number;
}

/**
 * The tile of a `[m, k] · [n, k]ᵀ` matmul workgroup. A batch gets up to 8 x
 * rows per workgroup so each weight segment is decoded once for all of them
 * (prefill); decode gets one. Each row then stages 2048 / tm elements a
 * chunk; a row's threads are at most as many as that chunk has blocks of 32,
 * so none idles. Quantized weights take 16 threads per output and the rest
 * of the 256 go to more outputs, which share the staged rows and the cost of
 * quantizing them; a short output dimension (the KV projections) takes more
 * threads per output instead, so the matmul still has 128 workgroups; an
 * unquantized weight takes up to 64, for wide coalesced reads of its row.
 */
export function matmulShape(m: number, k: number, n: number, quantized: boolean): MatmulShape {
  const tm = Math.min(MATMUL_MAX_TM, nextPow2(m));
  const chunk = Math.min(k, MATMUL_STAGED / tm);
  const wide = quantized ? Math.max(MATMUL_QUANT_THREADS_PER_ROW, MATMUL_WG / prevPow2(n / MATMUL_MIN_GROUPS)) : MATMUL_MAX_THREADS_PER_ROW;
  const threads = Math.min(MATMUL_MAX_THREADS_PER_ROW, wide, nextPow2(Math.ceil(chunk / MATMUL_ELEMENTS_PER_THREAD)));
  const rows = Math.min(MATMUL_WG / threads, nextPow2(n));
  return { rows, threads, tm };
}

/** A decode matmul's workgroup (one x row), for tuning on a given GPU: `rows` outputs of `threads` threads each, `unroll` weight blocks a thread loads at once. */
export interface DecodeShape {
  /** Threads per output (a power of two). */
  readonly threads: number;
  /** Outputs per workgroup; threads · rows is at most 256, a power of two. */
  readonly rows: number;
  /** Weight segments a thread loads before using any (matmul.wgsl's UNROLL), 1 to 8. */
  readonly unroll: number;
}

/**
 * matmul.wgsl's UNROLL unless a {@link DecodeShape} says otherwise. On the
 * lent H100, 2 and 4 decoded Q4_0 equally within run-to-run spread (393 and
 * 368 tok/s one run, 406 and 418 the next; BENCHMARKS.md).
 */
const MATMUL_UNROLL = 4;

/**
 * `shape` if matmul.wgsl can run it.
 * @throws LlamitaError `E_INVALID_ARGUMENT` saying which rule it breaks.
 */
export function checkDecodeShape(shape: DecodeShape): DecodeShape {
  const { threads, rows, unroll } = shape;
  const pow2 = (v: number) => Number.isInteger(v) && v > 0 && nextPow2(v) === v;
  const bad = (why: string) => new LlamitaError('E_INVALID_ARGUMENT', `decode shape ${threads}x${rows}/${unroll}: ${why}`);
  if (!pow2(threads) || !pow2(rows) || threads * rows > MATMUL_WG) throw bad(`threads and rows must be powers of two with threads * rows at most ${MATMUL_WG}`);
  if (!Number.isInteger(unroll) || unroll < 1 || unroll > 8) throw bad('unroll must be 1 to 8');
  return shape;
}

/** A tensor's byte range as a bind group entry, and its first element counted from that range's start. */
export interface TensorBinding {
  /** The bind group resource. */
  readonly resource: GPUBufferBinding;
  /** Where the tensor starts within the bound range, in units of the kernel's array element. */
  readonly offset: number;
}

/** Binds a tensor's bytes; `unit` is the byte size of the WGSL array element the kernel indexes it by. */
export type Bind = (t: Tensor, unit: 1 | 2 | 4) => TensorBinding;

/** One planned dispatch: kernel, params words, bindings by number (the params' number apart), workgroup grid. */
export interface Dispatch {
  readonly kernel: KernelId;
  /** The op's profile key (`opTimingKey`; fused ops joined by ` + `). */
  readonly key: string;
  readonly overrides?: Overrides;
  readonly params: Uint32Array;
  readonly bindings: readonly { readonly binding: number; readonly resource: GPUBufferBinding }[];
  /** The binding number of the params' uniform buffer. */
  readonly paramsBinding: number;
  readonly groups: readonly [number, number, number];
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);
/** The bits of `x` as an f32, for a params word the WGSL struct declares f32. */
function f32Bits(x: number): number {
  f32Scratch[0] = x;
  return u32Scratch[0]!;
}

/** A 1-D grid of `count` workgroups folded into (x, y) under the per-dimension limit. */
export function grid(count: number): [number, number, number] {
  return [Math.min(count, MAX_GROUPS), Math.ceil(count / MAX_GROUPS), 1];
}

/** Bytes of one row of a `[rows, k]` weight (whole blocks). */
const rowBytes = (dtype: Tensor['dtype'], k: number): number => (k / DTYPE_INFO[dtype].blockSize) * DTYPE_INFO[dtype].blockBytes;

/** Elements one decode call of a weight type gives (weights/<type>.wgsl's SEG). */
const segmentOf = (dtype: Tensor['dtype']): number => (DTYPE_INFO[dtype].quantized ? 32 : 1);

/** A dispatch whose bindings are numbered in order and the params' comes after them. */
function dispatch(kernel: KernelId, params: number[], bindings: TensorBinding[], groups: [number, number, number]): Omit<Dispatch, 'key'> {
  return { kernel, params: Uint32Array.from(params), bindings: bindings.map((b, binding) => ({ binding, resource: b.resource })), paramsBinding: bindings.length, groups };
}

/** Query tokens up to which attention is split over the cache (attention_split.wgsl); longer batches have enough workgroups in one pass. */
const ATTENTION_SPLIT_MAX_M = 8;
/** Keys per workgroup of the split attention (attention_split.wgsl's CHUNK). */
const ATTENTION_CHUNK = 64;

/**
 * Query tokens a workgroup of attention_blocked.wgsl takes (its QB), and the
 * fewest a batch sends there: a smaller batch would leave the block partly
 * idle and the GPU with only n_head workgroups (the one-query kernel has n_head · m).
 */
const ATTENTION_BLOCK_QUERIES = 32;
/** The largest head dimension attention_blocked.wgsl stages (its HD_MAX). */
const ATTENTION_BLOCKED_MAX_HD = 64;
/** Keys a tile of attention_blocked.wgsl stages (its KB). */
const ATTENTION_BLOCK_KEYS = 32;
/** Workgroup memory attention_blocked.wgsl declares: q and k tiles with a pad word a row, v, scores with a pad word a row, key counts and their most. */
export const ATTENTION_BLOCKED_BYTES =
  4 *
  (ATTENTION_BLOCK_QUERIES * (ATTENTION_BLOCKED_MAX_HD + 1) +
    ATTENTION_BLOCK_KEYS * (ATTENTION_BLOCKED_MAX_HD + 1) +
    ATTENTION_BLOCK_KEYS * ATTENTION_BLOCKED_MAX_HD +
    ATTENTION_BLOCK_QUERIES * (ATTENTION_BLOCK_KEYS + 1) +
    ATTENTION_BLOCK_QUERIES +
    1);

type AttentionOp = Extract<Op, { op: 'attention' }>;

/** How the planner shapes dispatches for one device. */
export interface PlanOptions {
  /**
   * Split attention over the cache for batches of up to 8 query tokens: a
   * workgroup per 64 keys fills a large GPU, but costs milliseconds each on a
   * software adapter, where one workgroup per head is faster.
   */
  readonly splitAttention: boolean;
  /**
   * Run a batch of 32 or more query tokens (prefill) through
   * attention_blocked.wgsl, each tile of keys staged once for 32 queries,
   * where the device's workgroup memory holds it (about 29 KiB).
   */
  readonly blockedAttention?: boolean;
  /** The prefill matmul's tile ({@link tiledShapeFor} the device's workgroup memory). */
  readonly tile: TiledShape;
  /** The prefill matmul's tile for unquantized weights and the integer dot; default `tile`. */
  readonly narrowTile?: TiledShape;
  /** Whether WGSL has `packed_4x8_integer_dot_product`: Q4_0, Q5_0 and Q8_0 matmuls then dot in integers (lib/int-dot.wgsl). */
  readonly intDot?: boolean;
  /**
   * With `intDot`: a batch of fewer than 32 rows (decode) has its x quantized
   * to Q8_0 once, by a dispatch of its own (quantize_x.wgsl, with the norm or
   * swiglu the matmul would have folded in), and the matmul reads it from
   * memory (matmul_prepared.wgsl) instead of every workgroup staging,
   * normalizing and quantizing x itself.
   */
  readonly preparedX?: boolean;
  /**
   * The largest byte range one storage binding may cover (the device's
   * `maxStorageBufferBindingSize`, or less where the backend is told so):
   * a matmul weight or embedding table over it runs as one dispatch per
   * range of its rows ({@link weightPieces}). Default: no limit.
   */
  readonly maxBindingBytes?: number;
  /** The decode matmul's workgroup, where tuned (default: chosen per matmul from its shape). */
  readonly decode?: DecodeShape;
  /**
   * The device's subgroup sizes, where it has subgroups and WGSL has the
   * `subgroup_id` builtin: matmuls whose outputs' threads fit the smallest
   * then sum them by shuffles (lib/reduce-subgroup.wgsl).
   */
  readonly subgroups?: {
    /** The adapter's smallest subgroup (`subgroupMinSize`). */
    readonly minSize: number;
    /** The adapter's largest subgroup (`subgroupMaxSize`). */
    readonly maxSize: number;
  };
}

/** An attention op that runs split over the cache, with its chunk count; undefined for any other op. */
function splitAttention(op: Op, options: PlanOptions): { readonly op: AttentionOp; readonly chunks: number } | undefined {
  if (!options.splitAttention || op.op !== 'attention' || op.q.shape[0]! > ATTENTION_SPLIT_MAX_M) return undefined;
  return { op, chunks: Math.ceil(op.k.shape[0]! / ATTENTION_CHUNK) };
}

/** Storage bindings of the split attention with the rope folded in (attention-new/rope.wgsl): more than its merge's 7. */
const ROPE_ATTENTION_STORAGE_BINDINGS = 9;

/**
 * Whether an attention op can take the rope and cache write before it
 * (fuse.ts's FusedRopeAttention): one query token, split over the cache, and
 * the device binds the kernel's nine storage buffers.
 */
export function ropeAttentionFits(op: AttentionOp, options: PlanOptions, maxStorageBuffersPerShaderStage: number): boolean {
  return op.q.shape[0] === 1 && splitAttention(op, options) !== undefined && ROPE_ATTENTION_STORAGE_BINDINGS <= maxStorageBuffersPerShaderStage;
}

/** The matmul with its folded ops that `op` is, if it is a matmul. */
const asFusedMatmul = (op: FusedMatmul | Extract<Op, { op: 'matmul' }>): FusedMatmul => (op.op === 'fused_matmul' ? op : { op: 'fused_matmul', matmul: op });

/** Whether a matmul runs on x that quantize_x.wgsl prepared ({@link PlanOptions.preparedX}). */
function preparesX(fused: FusedMatmul, options: PlanOptions): boolean {
  const m = fused.matmul.x.shape[0]!;
  return options.preparedX === true && options.intDot === true && hasIntDot(fused.matmul.w.dtype as WgslWeightType) && m > 0 && m < MATMUL_TILED_MIN_M;
}

/** Bytes of x prepared by quantize_x.wgsl: a byte a quant, and an f32 scale a block of 32. */
const preparedXBytes = (m: number, k: number): number => m * k + (m * k) / 8;

/**
 * Bytes of scratch memory the dispatches of `op` need for their
 * intermediates (the split attention's per-chunk partials, a prepared x), 0
 * for most ops. A graph's ops run in order, so one buffer of the largest size serves all.
 */
export function scratchBytes(op: PlannedOp, options: PlanOptions): number {
  if (op.op === 'fused_matmul' || op.op === 'matmul') {
    const fused = asFusedMatmul(op);
    const [m, k] = fused.matmul.x.shape as [number, number];
    return preparesX(fused, options) ? preparedXBytes(m, k) : 0;
  }
  const split = op.op === 'fused_rope_cache' ? undefined : splitAttention(op.op === 'fused_rope_attention' ? op.attention : op, options);
  if (!split) return 0;
  const [m, nHead, hd] = split.op.q.shape as [number, number, number];
  return m * nHead * split.chunks * (hd + 2) * 4;
}

/**
 * The dispatches of one op, in order: none when it has nothing to do (an
 * empty batch), two for a split attention. Shapes are already validated and
 * the op supported; `scratch` is a buffer of at least `scratchBytes(op, options)`.
 */
export function planOp(op: PlannedOp, bind: Bind, options: PlanOptions, scratch?: GPUBuffer): Dispatch[] {
  if (op.op === 'fused_matmul' || op.op === 'matmul') {
    const fused = asFusedMatmul(op);
    const key = [fused.norm, fused.swiglu, fused.matmul, ...(fused.siblings ?? []), fused.residual?.add].flatMap((o) => (o ? [opTimingKey(o)] : [])).join(' + ');
    // a prepared x's quantize dispatch is timed apart from its matmul
    return planMatmul(fused, bind, options, scratch).map((d) => ({ ...d, key: d.kernel.kernel === 'quantize_x' ? `prepare x: ${key}` : key }));
  }
  if (op.op === 'fused_rope_cache') {
    const planned = planRopeCache(op, bind);
    return planned ? [{ ...planned, key: [op.ropeQ, op.ropeK, op.copyK, op.copyV].map(opTimingKey).join(' + ') }] : [];
  }
  if (op.op === 'fused_rope_attention') {
    const { start, attention } = op;
    const key = [start.ropeQ, start.ropeK, start.copyK, start.copyV, attention].map(opTimingKey).join(' + ');
    const chunks = splitAttention(attention, options)!.chunks;
    return planSplitAttention(attention, bind, scratch, chunks, start).map((d) => ({ ...d, key }));
  }
  const key = opTimingKey(op);
  if (op.op === 'embedding') return planEmbedding(op, bind, options).map((d) => ({ ...d, key }));
  const split = splitAttention(op, options);
  const planned = split && scratchBytes(op, options) > 0 ? planSplitAttention(split.op, bind, scratch, split.chunks) : [planKernel(op, bind, options)];
  return planned.filter((d) => d !== undefined).map((d) => ({ ...d, key }));
}

/** Whether a matmul's kernel can normalize its x rows as it stages them: all of each row at once. */
export function matmulNormFits(op: Extract<Op, { op: 'matmul' }>): boolean {
  const [m, k] = op.x.shape as [number, number];
  return matmulShape(m, k, op.w.shape[0]!, DTYPE_INFO[op.w.dtype].quantized).tm * k <= MATMUL_STAGED;
}

/** Whether a matmul's kernel can make its x from a swiglu's gate and up as it stages it: matmul.wgsl's batches (the tiled kernel has no prologue). */
export function matmulSwigluFits(op: Extract<Op, { op: 'matmul' }>): boolean {
  return op.x.shape[0]! < MATMUL_TILED_MIN_M;
}

/** Most matmuls one grouped dispatch computes (lib/parts.wgsl's bindings 8-11 hold two more). */
export const MATMUL_MAX_PARTS = 3;

/**
 * Whether matmuls that read the same x can run as one grouped dispatch: a
 * batch small enough for matmul.wgsl (a tiled prefill gains nothing from
 * sharing x), one weight type and row length, and enough storage bindings
 * (x, a weight and an output per part, the norm's two) under the device's
 * limit, and weights that each fit one storage binding.
 */
export function matmulGroupFits(matmuls: readonly Extract<Op, { op: 'matmul' }>[], maxStorageBuffersPerShaderStage: number, maxBindingBytes = Infinity): boolean {
  const [first] = matmuls;
  if (!first || matmuls.length > MATMUL_MAX_PARTS || 3 + 2 * matmuls.length > maxStorageBuffersPerShaderStage) return false;
  // a weight split into row ranges runs alone
  if (matmuls.some((mm) => weightPieces(mm.w.dtype, mm.w.shape[0]!, mm.w.shape[1]!, maxBindingBytes).length > 1)) return false;
  const [m, k] = first.x.shape as [number, number];
  if (m >= MATMUL_TILED_MIN_M || !matmuls.every((mm) => mm.w.dtype === first.w.dtype && mm.x.shape[1] === k)) return false;
  const ns = matmuls.map((mm) => mm.w.shape[0]!);
  const { rows } = matmulShape(
    m,
    k,
    ns.reduce((a, b) => a + b, 0),
    DTYPE_INFO[first.w.dtype].quantized,
  );
  return ns.reduce((columns, n) => columns + Math.ceil(n / rows), 0) <= MAX_GROUPS;
}

/** Rows of a weight one dispatch reads: the whole weight, or a range of it where the weight exceeds a storage binding. */
export interface WeightPiece {
  /** The first weight row (output column) of the piece. */
  readonly first: number;
  /** Weight rows (outputs) in the piece. */
  readonly rows: number;
}

/**
 * Bytes a binding may cover beyond its tensor: the start rounded down to the
 * storage offset alignment (at most 256), and whole words plus one more at the end.
 */
const BINDING_SLACK = 256 + 8;

/**
 * The row ranges of a `[rows, k]` weight of `dtype` each of which one storage
 * binding of at most `maxBindingBytes` holds: the whole weight when it fits.
 * @throws LlamitaError `E_UNSUPPORTED_OP` when not even one row fits (supportsOp refuses such a weight first).
 */
export function weightPieces(dtype: Tensor['dtype'], rows: number, k: number, maxBindingBytes = Infinity): WeightPiece[] {
  const bytes = rowBytes(dtype, k);
  if (rows * bytes + BINDING_SLACK <= maxBindingBytes) return [{ first: 0, rows }];
  const perPiece = Math.floor((maxBindingBytes - BINDING_SLACK) / bytes);
  if (perPiece < 1) throw new LlamitaError('E_UNSUPPORTED_OP', `one ${dtype} row of ${bytes} bytes exceeds the storage binding limit of ${maxBindingBytes} bytes`);
  return Array.from({ length: Math.ceil(rows / perPiece) }, (_, i) => ({ first: i * perPiece, rows: Math.min(perPiece, rows - i * perPiece) }));
}

/** The bindings of a matmul with what is folded into it, as planMatmul's dispatches share them. */
interface MatmulBindings {
  readonly x: TensorBinding;
  readonly out: TensorBinding;
  readonly normWeight?: TensorBinding;
  readonly normOut?: TensorBinding;
  readonly res?: TensorBinding;
  readonly sum?: TensorBinding;
  readonly siblings: readonly (readonly [TensorBinding, TensorBinding])[];
}

/** The bindings of one matmul dispatch: the shared ones and the range of the weight it reads. */
interface MatmulPieceBindings extends MatmulBindings {
  readonly w: TensorBinding;
}

/**
 * A matmul with what is folded into it (matmul.wgsl with its prologue and
 * epilogue snippets): bindings 0-2 and the params at 3, the norm's weight and
 * output (or the swiglu's up and output) at 4 and 5, the residual and the sum
 * at 6 and 7, a group's other weights and outputs at 8-11. A weight larger
 * than a storage binding (`options.maxBindingBytes`) runs as one dispatch per
 * range of its rows, each writing its columns of the output (`out_stride`).
 * With a prepared x, quantize_x.wgsl runs first, once.
 */
function planMatmul(fused: FusedMatmul, bind: Bind, options: PlanOptions, scratch: GPUBuffer | undefined): Omit<Dispatch, 'key'>[] {
  const { matmul: op, norm, swiglu, residual } = fused;
  const [m, k] = op.x.shape as [number, number];
  const n = [op, ...(fused.siblings ?? [])].reduce((total, p) => total + p.w.shape[0]!, 0);
  if (m === 0 || n === 0) return [];
  // a fused norm stages its own input, the norm's x; a fused swiglu its gate (X) and up (binding 4)
  const normWeight = norm ? bind(norm.weight, 4) : swiglu && bind(swiglu.up, 4);
  const normOut = norm ? bind(norm.out, 4) : swiglu && bind(swiglu.out, 4);
  const bound = {
    x: bind(norm ? norm.x : swiglu ? swiglu.gate : op.x, 4),
    out: bind(op.out, 4),
    ...(normWeight && { normWeight }),
    ...(normOut && { normOut }),
    ...(residual && { res: bind(residual.other, 4), sum: bind(residual.add.out, 4) }),
    siblings: (fused.siblings ?? []).map((p) => [bind(p.w, 1), bind(p.out, 4)] as const),
  };
  // a group's weights each fit a binding (matmulGroupFits); only a lone weight is split
  const pieces = fused.siblings?.length ? [{ first: 0, rows: op.w.shape[0]! }] : weightPieces(op.w.dtype, op.w.shape[0]!, k, options.maxBindingBytes);
  const whole = pieces.length === 1;
  const prepared = preparesX(fused, options);
  if (prepared && !scratch) throw new LlamitaError('E_INVALID_ARGUMENT', 'a matmul on a prepared x needs a scratch buffer of scratchBytes(op, options)');
  // with a prepared x, the scratch buffer that holds it; the matmul dispatches read it there
  const xq = prepared ? scratch : undefined;
  const planned = pieces.map((piece) => planMatmulPiece(fused, { ...bound, w: bind(whole ? op.w : sliceRows(op.w, piece.first, piece.rows), 1) }, options, piece, xq));
  return xq ? [planQuantizeX(fused, bound, xq), ...planned] : planned;
}

/** The matmuls' params (lib/matmul-io.wgsl's Params) for a piece of the weight's rows; without `b.w` (quantize_x.wgsl reads no weight), weight offset 0. */
function matmulParams(fused: FusedMatmul, b: MatmulBindings & { readonly w?: TensorBinding }, piece: WeightPiece, groupRows: number): number[] {
  const { matmul: op, norm } = fused;
  const [m, k] = op.x.shape as [number, number];
  const parts = [op, ...(fused.siblings ?? [])];
  const ns = parts.length > 1 ? parts.map((p) => p.w.shape[0]!) : [piece.rows];
  // each part's first workgroup column, outputs, weight and output offsets (lib/parts.wgsl; the
  // params always carry them: the uniform binding must cover the whole Params struct)
  const columns = ns.map((np) => Math.ceil(np / groupRows));
  const partStart = columns.map((_, p) => columns.slice(0, p).reduce((a, c) => a + c, 0));
  const out = b.out.offset + piece.first;
  const wOffset = b.w?.offset ?? 0;
  const partW = [wOffset, ...b.siblings.map(([pw]) => pw.offset)];
  const partOut = [out, ...b.siblings.map(([, po]) => po.offset)];
  const vec4 = (values: number[]) => [0, 1, 2, 3].map((i) => values[i] ?? 0);
  const n = ns.reduce((a, c) => a + c, 0);
  const [res, sum] = [b.res ? b.res.offset + piece.first : 0, b.sum ? b.sum.offset + piece.first : 0];
  const outStride = op.w.shape[0]!;
  return [
    ...[m, k, n, b.x.offset, wOffset, out, rowBytes(op.w.dtype, k), b.normWeight?.offset ?? 0, b.normOut?.offset ?? 0, f32Bits(norm?.eps ?? 0), res, sum, outStride, 0, 0, 0],
    ...vec4(partStart),
    ...vec4(ns),
    ...vec4(partW),
    ...vec4(partOut),
  ];
}

/** The bindings 4-11 of a matmul dispatch: the prologue's (norm or swiglu), the residual's, a group's other parts'. */
function extraBindings(b: MatmulBindings): { binding: number; resource: GPUBufferBinding }[] {
  const extra = [
    b.normWeight && { binding: 4, resource: b.normWeight.resource },
    b.normOut && { binding: 5, resource: b.normOut.resource },
    b.res && { binding: 6, resource: b.res.resource },
    b.sum && { binding: 7, resource: b.sum.resource },
    ...b.siblings.flatMap(([pw, po], i) => [
      { binding: 8 + 2 * i, resource: pw.resource },
      { binding: 9 + 2 * i, resource: po.resource },
    ]),
  ];
  return extra.filter((e) => e !== undefined);
}

/** The matmul's x prepared once: quantize_x.wgsl with the folded norm or swiglu, into the scratch buffer's start. */
function planQuantizeX(fused: FusedMatmul, b: MatmulBindings, scratch: GPUBuffer): Omit<Dispatch, 'key'> {
  const [m, k] = fused.matmul.x.shape as [number, number];
  const params = matmulParams(fused, b, { first: 0, rows: fused.matmul.w.shape[0]! }, 1);
  // quantize_x.wgsl writes the quants and scales from params.out_offset: the scratch's start
  params[5] = 0;
  return {
    kernel: { kernel: 'quantize_x', prologue: fused.norm ? 'norm' : fused.swiglu ? 'swiglu' : 'none' },
    params: Uint32Array.from(params),
    bindings: [{ binding: 0, resource: b.x.resource }, ...extraBindings(b).filter((e) => e.binding <= 5), preparedXBinding(scratch, m, k)],
    paramsBinding: 3,
    groups: [Math.ceil(k / MATMUL_STAGED), m, 1],
    overrides: { WG: MATMUL_WG, ROWS: 1, TM: 1, UNROLL: MATMUL_UNROLL },
  };
}

/** The scratch range quantize_x.wgsl writes and matmul_prepared.wgsl reads (binding 12). */
const preparedXBinding = (scratch: GPUBuffer, m: number, k: number) => ({ binding: 12, resource: { buffer: scratch, offset: 0, size: preparedXBytes(m, k) } });

/**
 * One dispatch of a matmul over the weight rows of `piece`: the tiled kernel
 * for a batch, matmul.wgsl otherwise, or matmul_prepared.wgsl reading x from
 * `preparedX` (the scratch buffer quantize_x.wgsl wrote) where given.
 */
function planMatmulPiece(fused: FusedMatmul, b: MatmulPieceBindings, options: PlanOptions, piece: WeightPiece, preparedX: GPUBuffer | undefined): Omit<Dispatch, 'key'> {
  const { matmul: op, norm, swiglu, residual } = fused;
  const parts = [op, ...(fused.siblings ?? [])];
  const [m, k] = op.x.shape as [number, number];
  const ns = parts.length > 1 ? parts.map((p) => p.w.shape[0]!) : [piece.rows];
  const n = ns.reduce((a, c) => a + c, 0);
  const weights = op.w.dtype as WgslWeightType;
  const intDot = options.intDot === true && hasIntDot(weights);
  const extra = extraBindings(b);
  if (m >= MATMUL_TILED_MIN_M && !norm && !swiglu && parts.length === 1 && !SUMMED_ACTIVATIONS.has(weights)) {
    const tile = DTYPE_INFO[weights].quantized && !intDot ? options.tile : (options.narrowTile ?? options.tile);
    const kernel: KernelId = { kernel: 'matmul_tiled', weights, residual: residual !== undefined, tile, intDot };
    const planned = dispatch(kernel, matmulParams(fused, b, piece, 1), [b.x, b.w, b.out], [Math.ceil(n / tile.nt), Math.ceil(m / tile.mt), 1]);
    return { ...planned, bindings: [...planned.bindings, ...extra], paramsBinding: 3 };
  }
  // a tuned decode shape applies to one x row only
  const tuned = m === 1 ? options.decode : undefined;
  const { rows, threads, tm } = tuned ? { ...tuned, tm: 1 } : matmulShape(m, k, n, DTYPE_INFO[weights].quantized);
  const overrides = { WG: rows * threads, ROWS: rows, TM: tm, UNROLL: tuned?.unroll ?? MATMUL_UNROLL };
  const params = matmulParams(fused, b, piece, rows);
  const groups: [number, number, number] = [ns.reduce((columns, np) => columns + Math.ceil(np / rows), 0), Math.ceil(m / tm), 1];
  // an output's threads within the smallest subgroup, and whole subgroups of the largest size
  const sg = options.subgroups;
  const subgroups = sg !== undefined && threads <= sg.minSize && (rows * threads) % sg.maxSize === 0;
  if (preparedX) {
    // matmul_prepared.wgsl reads x where quantize_x.wgsl wrote it: the scratch's start (params.x_offset 0)
    params[3] = 0;
    return {
      kernel: { kernel: 'matmul', weights, residual: residual !== undefined, parts: parts.length, intDot, prepared: true, subgroups },
      params: Uint32Array.from(params),
      bindings: [{ binding: 1, resource: b.w.resource }, { binding: 2, resource: b.out.resource }, ...extra.filter((e) => e.binding > 5), preparedXBinding(preparedX, m, k)],
      paramsBinding: 3,
      groups,
      overrides,
    };
  }
  // two 16-bit weights a word where every row starts at a word
  const pairs = hasPairDecoder(weights) && k % 2 === 0 && [b.w, ...b.siblings.map(([pw]) => pw)].every((pw) => pw.offset % 4 === 0);
  const kernel: KernelId = { kernel: 'matmul', weights, norm: norm !== undefined, swiglu: swiglu !== undefined, residual: residual !== undefined, parts: parts.length, intDot, pairs, subgroups };
  const planned = dispatch(kernel, params, [b.x, b.w, b.out], groups);
  return { ...planned, bindings: [...planned.bindings, ...extra], paramsBinding: 3, overrides };
}

/** rope_cache.wgsl: q and k rotated, rotated k and v into their cache rows, in one dispatch. */
function planRopeCache(fused: FusedRopeCache, bind: Bind): Omit<Dispatch, 'key'> | undefined {
  const { ropeQ, ropeK, copyK, copyV } = fused;
  const [m, headsQ, hd] = ropeQ.x.shape as [number, number, number];
  const headsKv = ropeK.x.shape[1]!;
  const pairs = (m * (headsQ + 2 * headsKv) * hd) / 2;
  if (pairs === 0) return undefined;
  const cache = copyK.dst.dtype === 'f16' ? 'f16' : 'f32';
  const tensors = [ropeQ.x, ropeQ.out, ropeK.x, ropeK.out, copyV.src, ropeQ.positions, copyK.dst, copyV.dst].map((t) => bind(t, 4));
  const [q, qRot, k, kRot, v, pos, kc, vc] = tensors as [TensorBinding, TensorBinding, TensorBinding, TensorBinding, TensorBinding, TensorBinding, TensorBinding, TensorBinding];
  const params = [m, headsQ, headsKv, hd, q.offset, qRot.offset, k.offset, kRot.offset, v.offset, pos.offset, kc.offset, vc.offset, f32Bits(Math.log2(ropeQ.theta)), ropeQ.mode === 'half' ? 1 : 0];
  return dispatch({ kernel: 'rope_cache', cache }, params, tensors, grid(Math.ceil(pairs / WG)));
}

/**
 * Attention in two dispatches: per-chunk partials into `part`, then their
 * merge into the output; with `start` (one token's rope and cache write,
 * whose rotated q and caches the attention reads), the first dispatch does
 * that work too (attention-new/rope.wgsl).
 */
function planSplitAttention(op: AttentionOp, bind: Bind, scratch: GPUBuffer | undefined, chunks: number, start?: FusedRopeCache): Omit<Dispatch, 'key'>[] {
  if (!scratch) throw new LlamitaError('E_INVALID_ARGUMENT', 'a split attention needs a scratch buffer of scratchBytes(op, options)');
  const [m, nHead, hd] = op.q.shape as [number, number, number];
  const [ctx, nKv] = op.k.shape as [number, number];
  const cache = op.k.dtype === 'f16' ? 'f16' : 'f32';
  const unit = cache === 'f16' ? 2 : 4;
  const [k, v, pos, out] = [bind(op.k, unit), bind(op.v, unit), bind(op.positions, 4), bind(op.out, 4)];
  // with the rope folded in, the kernel reads the unrotated q and writes the rotated one
  const q = bind(start ? start.ropeQ.x : op.q, 4);
  const partBinding = { resource: { buffer: scratch, size: m * nHead * chunks * (hd + 2) * 4 }, offset: 0 };
  const splitParams = [nHead, nKv, hd, ctx, q.offset, k.offset, v.offset, pos.offset, chunks, f32Bits(op.scale)];
  const combineParams = [nHead, hd, ctx, chunks, pos.offset, out.offset];
  const combineGroups: [number, number, number] = [nHead, m, 1];
  const combineThreads = { WG: Math.max(32, nextPow2(hd)) };
  if (!start) {
    const split = dispatch({ kernel: 'attention_split', cache }, [...splitParams, 0, 0, 0, 0, 0, 0], [q, k, v, pos, partBinding], [chunks, nHead, m]);
    const combine = dispatch({ kernel: 'attention_combine', cache }, [...combineParams, 0, 0, 0, 0, 0], [partBinding, pos, out], combineGroups);
    return [split, { ...combine, overrides: combineThreads }];
  }
  const [kNew, vNew, qRot, kRot] = [start.ropeK.x, start.copyV.src, start.ropeQ.out, start.ropeK.out].map((t) => bind(t, 4)) as [TensorBinding, TensorBinding, TensorBinding, TensorBinding];
  const ropeParams = [f32Bits(Math.log2(start.ropeQ.theta)), start.ropeQ.mode === 'half' ? 1 : 0, kNew.offset, vNew.offset, qRot.offset, kRot.offset];
  const split = dispatch({ kernel: 'attention_split', cache, rope: true }, [...splitParams, ...ropeParams], [q, k, v, pos, partBinding], [chunks, nHead, m]);
  const splitExtra = [kNew, vNew, qRot, kRot].map((b, i) => ({ binding: 6 + i, resource: b.resource }));
  // the merge writes the cache row (the split only reads the caches): bindings 4-7 after its params at 3
  const combine = dispatch({ kernel: 'attention_combine', cache, rope: true }, [...combineParams, nKv, k.offset, v.offset, kRot.offset, vNew.offset], [partBinding, pos, out], combineGroups);
  const combineExtra = [kRot, vNew, k, v].map((b, i) => ({ binding: 4 + i, resource: b.resource }));
  return [
    { ...split, bindings: [...split.bindings, ...splitExtra] },
    { ...combine, bindings: [...combine.bindings, ...combineExtra], overrides: combineThreads },
  ];
}

/**
 * The embedding lookup: one dispatch, or one per range of the table's rows
 * where the table exceeds a storage binding (each writes the ids in its
 * range; the first also the zeros of an id outside the table).
 */
function planEmbedding(op: Extract<Op, { op: 'embedding' }>, bind: Bind, options: PlanOptions): Omit<Dispatch, 'key'>[] {
  const [m, dim] = op.out.shape as [number, number];
  if (m === 0) return [];
  const [vocab] = op.table.shape as [number];
  const pieces = weightPieces(op.table.dtype, vocab, dim, options.maxBindingBytes);
  const ids = bind(op.ids, 4);
  const out = bind(op.out, 4);
  const segments = (m * dim) / segmentOf(op.table.dtype);
  return pieces.map(({ first, rows }) => {
    const table = bind(pieces.length === 1 ? op.table : sliceRows(op.table, first, rows), 1);
    const params = [segments, dim, vocab, ids.offset, table.offset, out.offset, rowBytes(op.table.dtype, dim), first, rows];
    return dispatch({ kernel: 'embedding', weights: op.table.dtype as WgslWeightType }, params, [table, ids, out], grid(Math.ceil(segments / WG)));
  });
}

function planKernel(op: Exclude<Op, { op: 'matmul' | 'embedding' }>, bind: Bind, options: PlanOptions): Omit<Dispatch, 'key'> | undefined {
  switch (op.op) {
    case 'rms_norm': {
      const [m, n] = op.x.shape as [number, number];
      if (m === 0) return undefined;
      const [x, weight, out] = [bind(op.x, 4), bind(op.weight, 4), bind(op.out, 4)];
      return dispatch({ kernel: 'rms_norm' }, [m, n, x.offset, weight.offset, out.offset, f32Bits(op.eps)], [x, weight, out], [m, 1, 1]);
    }
    case 'rope': {
      const [m, heads, hd] = op.x.shape as [number, number, number];
      const pairs = (m * heads * hd) / 2;
      if (pairs === 0) return undefined;
      const [x, pos, out] = [bind(op.x, 4), bind(op.positions, 4), bind(op.out, 4)];
      // without factors the kernel never reads FF: x's range stands in for the binding
      const ff = op.freqFactors ? bind(op.freqFactors, 4) : x;
      const params = [pairs, heads, hd, x.offset, pos.offset, out.offset, f32Bits(Math.log2(op.theta)), op.mode === 'half' ? 1 : 0, ff.offset, op.freqFactors ? 1 : 0];
      return dispatch({ kernel: 'rope' }, params, [x, pos, out, ff], grid(Math.ceil(pairs / WG)));
    }
    case 'attention': {
      const [m, nHead, hd] = op.q.shape as [number, number, number];
      const [ctx, nKv] = op.k.shape as [number, number];
      if (m === 0) return undefined;
      const cache = op.k.dtype === 'f16' ? 'f16' : 'f32';
      const unit = cache === 'f16' ? 2 : 4;
      const [q, k, v, pos, out] = [bind(op.q, 4), bind(op.k, unit), bind(op.v, unit), bind(op.positions, 4), bind(op.out, 4)];
      const params = [nHead, nKv, hd, ctx, q.offset, k.offset, v.offset, pos.offset, out.offset, f32Bits(op.scale), m];
      if (options.blockedAttention && m >= ATTENTION_BLOCK_QUERIES && hd <= ATTENTION_BLOCKED_MAX_HD) {
        return dispatch({ kernel: 'attention_blocked', cache }, params, [q, k, v, pos, out], [nHead, Math.ceil(m / ATTENTION_BLOCK_QUERIES), 1]);
      }
      return dispatch({ kernel: 'attention', cache }, params, [q, k, v, pos, out], [nHead, m, 1]);
    }
    case 'swiglu':
    case 'add': {
      const [a, b] = op.op === 'add' ? [op.a, op.b] : [op.gate, op.up];
      const count = numel(a.shape);
      if (count === 0) return undefined;
      const [ab, bb, out] = [bind(a, 4), bind(b, 4), bind(op.out, 4)];
      // add's b may be one row of a (a bias): add.wgsl takes its length
      const params = [count, ab.offset, bb.offset, out.offset, ...(op.op === 'add' ? [numel(b.shape)] : [])];
      return dispatch({ kernel: op.op }, params, [ab, bb, out], grid(Math.ceil(count / WG)));
    }
    case 'copy': {
      const count = numel(op.src.shape);
      if (count === 0) return undefined;
      const width = op.src.shape[op.src.shape.length - 1]!;
      const src = bind(op.src, 4);
      // without rows the kernel never reads ROWS; src's range stands in for the binding
      const rows = op.rows ? bind(op.rows, 4) : src;
      const hasRows = op.rows ? 1 : 0;
      // an f16 destination is written a word (two halves) per thread
      const threads = op.dst.dtype === 'f16' ? count / 2 : count;
      const dst = bind(op.dst, 4);
      const kernel = op.dst.dtype === 'f16' ? 'copy_f16' : 'copy_f32';
      return dispatch({ kernel }, [threads, width, src.offset, rows.offset, dst.offset, hasRows], [src, rows, dst], grid(Math.ceil(threads / WG)));
    }
    case 'argmax':
    case 'sample': {
      const x = op.op === 'argmax' ? op.x : op.logits;
      const [m, n] = x.shape as [number, number];
      if (m === 0) return undefined;
      const xb = bind(x, 4);
      // argmax is the select kernel at temperature 0, which never reads RANDOM
      const random = op.op === 'sample' ? bind(op.random, 4) : xb;
      const out = bind(op.out, 4);
      const s = op.op === 'sample' ? op : { topK: 1, topP: 1, minP: 0, temperature: 0 };
      const params = [m, n, xb.offset, random.offset, out.offset, s.topK, f32Bits(s.topP), f32Bits(s.minP), f32Bits(s.temperature)];
      return dispatch({ kernel: 'select' }, params, [xb, random, out], grid(m));
    }
  }
}
