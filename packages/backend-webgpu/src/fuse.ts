import { numel, overlaps, type Graph, type Op, type Tensor } from '@llamita/core';

type MatmulOp = Extract<Op, { op: 'matmul' }>;
type RmsNormOp = Extract<Op, { op: 'rms_norm' }>;
type AddOp = Extract<Op, { op: 'add' }>;
type SwigluOp = Extract<Op, { op: 'swiglu' }>;
type RopeOp = Extract<Op, { op: 'rope' }>;
type CopyOp = Extract<Op, { op: 'copy' }>;
type AttentionOp = Extract<Op, { op: 'attention' }>;

/** A matmul with the ops folded into its kernel: the RMSNorm that makes its x, the residual add of its output, the matmuls that read the same x. */
export interface FusedMatmul {
  readonly op: 'fused_matmul';
  readonly matmul: MatmulOp;
  /** Matmuls right after it that read the same x, computed in the same dispatch (never with a residual). */
  readonly siblings?: readonly MatmulOp[];
  /** Normalizes x as the matmul stages it, and writes the norm's output too. */
  readonly norm?: RmsNormOp;
  /** Makes x = silu(gate) * up as the matmul stages it, and writes the swiglu's output too. */
  readonly swiglu?: SwigluOp;
  /** Adds the other operand to the matmul's output and writes the sum too. */
  readonly residual?: { readonly add: AddOp; readonly other: Tensor };
}

/**
 * The start of attention as one kernel: q and k rotated, and the rotated k and
 * v copied into their caches' rows at the tokens' positions.
 */
export interface FusedRopeCache {
  readonly op: 'fused_rope_cache';
  readonly ropeQ: RopeOp;
  readonly ropeK: RopeOp;
  /** Copies ropeK's output into the K cache, at rows ropeK.positions. */
  readonly copyK: CopyOp;
  /** Copies v into the V cache, at the same rows. */
  readonly copyV: CopyOp;
}

/**
 * A decode token's rope and cache write folded into the attention that reads
 * them: the attention kernel rotates q as it loads it and takes the token's
 * own key and value from k and v, so no dispatch runs before it.
 */
export interface FusedRopeAttention {
  readonly op: 'fused_rope_attention';
  readonly start: FusedRopeCache;
  /** Reads start's rotated q and the caches start writes, at start's positions (one token). */
  readonly attention: AttentionOp;
}

/** An op of the graph as planned: as it is, a matmul with its neighbours folded in, or the fused start of attention (alone or with the attention). */
export type PlannedOp = Op | FusedMatmul | FusedRopeCache | FusedRopeAttention;

/** Whether two tensors are the same bytes seen the same way. */
const same = (a: Tensor, b: Tensor): boolean => a.buffer.id === b.buffer.id && a.byteOffset === b.byteOffset && a.dtype === b.dtype && a.shape.join() === b.shape.join();

/** What the kernels can take, for {@link fuseGraph}. */
export interface FuseRules {
  /** Whether the matmul's kernel can normalize its x rows as it stages them. */
  normFits(matmul: MatmulOp): boolean;
  /** Whether these matmuls, which read the same x, can run as one dispatch. */
  groupFits(matmuls: readonly MatmulOp[]): boolean;
  /** Whether the matmul's kernel can make its x from a swiglu's gate and up as it stages it. */
  swigluFits(matmul: MatmulOp): boolean;
  /** Whether the attention's kernel can take the rope and cache write before it (a decode token, split over the cache); default never. */
  ropeAttentionFits?(attention: AttentionOp): boolean;
}

/**
 * Folds neighbours into matmuls, each fold saving a dispatch, with every
 * tensor the graph writes still written (a fused kernel writes both outputs,
 * so nothing depends on which tensors the caller reads later):
 * - an RMSNorm followed by matmuls that all read its output: each matmul
 *   normalizes its staged x itself (when `rules.normFits(matmul)`: its rows
 *   fit its workgroup memory whole) and writes the norm's output, so the
 *   norm's own dispatch goes;
 * - matmuls in a row that read the same x (q, k and v; gate and up): one
 *   dispatch computes them all (when `rules.groupFits`), staging x once;
 * - a swiglu followed by a matmul reading its output (the FFN's down
 *   projection): the matmul makes its x from gate and up (when
 *   `rules.swigluFits`) and writes the swiglu's output;
 * - a matmul followed by an add of its output and another tensor (the
 *   residual stream): the matmul's kernel adds and writes the sum;
 * - rope of q, rope of k, and the copies of the rotated k and of v into
 *   cache rows at the same positions: one kernel ({@link FusedRopeCache}),
 *   or none of its own when the attention right after reads them and
 *   `rules.ropeAttentionFits` it ({@link FusedRopeAttention}).
 */
export function fuseGraph(graph: Graph, rules: FuseRules): PlannedOp[] {
  const planned: PlannedOp[] = [];
  for (let i = 0; i < graph.length; i++) {
    const op = graph[i]!;
    if (op.op === 'rms_norm') {
      const readers = matmulRun(graph, i + 1, op.out);
      if (readers.length > 0 && readers.every((m) => rules.normFits(m)) && !readers.some((m) => overlaps(m.out, op.x) || overlaps(m.out, op.weight))) {
        const group = grouped(readers, rules, op);
        if (group) {
          planned.push(group);
          i += readers.length;
          continue;
        }
        for (const matmul of readers) {
          i++;
          const fused = withResidual({ op: 'fused_matmul', matmul, norm: op }, graph, i);
          planned.push(fused);
          if (fused.residual) i++;
        }
        continue;
      }
    }
    const ropeCache = op.op === 'rope' ? ropeCacheAt(graph, i) : undefined;
    if (ropeCache) {
      const attention = graph[i + 4];
      const withAttention = attention?.op === 'attention' && rules.ropeAttentionFits?.(attention) && readsStart(attention, ropeCache);
      planned.push(withAttention ? { op: 'fused_rope_attention', start: ropeCache, attention } : ropeCache);
      i += withAttention ? 4 : 3;
      continue;
    }
    const next = graph[i + 1];
    if (op.op === 'swiglu' && next?.op === 'matmul' && same(next.x, op.out) && rules.swigluFits(next) && !overlaps(next.out, op.gate) && !overlaps(next.out, op.up)) {
      const fused = withResidual({ op: 'fused_matmul', matmul: next, swiglu: op }, graph, i + 1);
      planned.push(fused);
      i += fused.residual ? 2 : 1;
      continue;
    }
    if (op.op === 'matmul') {
      const run = matmulRun(graph, i, op.x);
      const group = grouped(run, rules);
      if (group) {
        planned.push(group);
        i += run.length - 1;
        continue;
      }
      const fused = withResidual({ op: 'fused_matmul', matmul: op }, graph, i);
      planned.push(fused.residual ? fused : op);
      if (fused.residual) i++;
      continue;
    }
    planned.push(op);
  }
  return planned;
}

/**
 * The matmuls of `run` (all reading the same x) as one dispatch, if there are
 * several, the kernels take them, and no output overlaps what any workgroup
 * still reads (x, the weights, the norm's input) or another output.
 */
function grouped(run: readonly MatmulOp[], rules: FuseRules, norm?: RmsNormOp): FusedMatmul | undefined {
  if (run.length < 2 || !rules.groupFits(run)) return undefined;
  const read = [run[0]!.x, ...run.map((m) => m.w), ...(norm ? [norm.x, norm.weight] : [])];
  const outs = run.map((m) => m.out);
  if (outs.some((out, j) => read.some((t) => overlaps(out, t)) || outs.some((other, l) => l !== j && overlaps(out, other)))) return undefined;
  return { op: 'fused_matmul', matmul: run[0]!, siblings: run.slice(1), ...(norm && { norm }) };
}

/**
 * Ops `start` .. `start + 3` as a {@link FusedRopeCache} if they are rope(q),
 * rope(k), copy(rotated k → K cache rows) and copy(v → V cache rows), with one
 * positions tensor, rope and cache type, and nothing written that another of
 * them reads (each thread reads only its own elements' pairs, so the four
 * may run in any order).
 */
function ropeCacheAt(graph: Graph, start: number): FusedRopeCache | undefined {
  const [ropeQ, ropeK, copyK, copyV] = graph.slice(start, start + 4);
  if (ropeQ?.op !== 'rope' || ropeK?.op !== 'rope' || copyK?.op !== 'copy' || copyV?.op !== 'copy') return undefined;
  // the folded kernels rotate without frequency factors (Llama 3's run rope.wgsl)
  if (ropeQ.freqFactors || ropeK.freqFactors) return undefined;
  const positions = ropeQ.positions;
  const sameRope = same(ropeK.positions, positions) && ropeK.theta === ropeQ.theta && ropeK.mode === ropeQ.mode && ropeK.x.shape[2] === ropeQ.x.shape[2] && ropeK.x.shape[0] === ropeQ.x.shape[0];
  const kWidth = ropeK.x.shape[1]! * ropeK.x.shape[2]!;
  const rows = (c: CopyOp) => c.rows !== undefined && same(c.rows, positions) && c.src.shape.length === 2 && c.src.shape[1] === kWidth && c.dst.shape[1] === kWidth;
  const cacheTypes = copyK.dst.dtype === copyV.dst.dtype && (copyK.dst.dtype === 'f32' || copyK.dst.dtype === 'f16');
  // the rotated k, seen as the copy's [m, width] rows, and a v of the same shape
  const copiesK = copyK.src.buffer.id === ropeK.out.buffer.id && copyK.src.byteOffset === ropeK.out.byteOffset && copyK.src.shape[0] === ropeK.x.shape[0] && copyV.src.shape[0] === ropeK.x.shape[0];
  if (!sameRope || !rows(copyK) || !rows(copyV) || !cacheTypes || !copiesK) return undefined;
  const read = [ropeQ.x, ropeK.x, copyV.src, positions];
  const written = [ropeQ.out, ropeK.out, copyK.dst, copyV.dst];
  if (written.some((w, j) => read.some((r) => overlaps(w, r)) || written.some((other, l) => l !== j && overlaps(w, other)))) return undefined;
  return { op: 'fused_rope_cache', ropeQ, ropeK, copyK, copyV };
}

/** Whether two tensors are the same bytes, whatever their shapes. */
const sameBytes = (a: Tensor, b: Tensor): boolean => a.buffer.id === b.buffer.id && a.byteOffset === b.byteOffset && a.dtype === b.dtype && numel(a.shape) === numel(b.shape);

/**
 * Whether `attention` is one token's attention over what `start` writes: its
 * rotated q, the caches it copies into (whole, at an offset of whole words,
 * which the folded cache write needs) and its positions, and an output that
 * overlaps nothing the fused kernel reads or writes.
 */
function readsStart(attention: AttentionOp, start: FusedRopeCache): boolean {
  const { ropeQ, ropeK, copyK, copyV } = start;
  const touched = [ropeQ.x, ropeQ.out, ropeK.x, ropeK.out, copyV.src, copyK.dst, copyV.dst, ropeQ.positions];
  return (
    ropeQ.x.shape[0] === 1 &&
    same(attention.q, ropeQ.out) &&
    same(attention.positions, ropeQ.positions) &&
    sameBytes(attention.k, copyK.dst) &&
    sameBytes(attention.v, copyV.dst) &&
    attention.k.byteOffset % 4 === 0 &&
    attention.v.byteOffset % 4 === 0 &&
    !touched.some((t) => overlaps(attention.out, t))
  );
}

/** The matmuls from `start` on that read `x`, in a row. */
function matmulRun(graph: Graph, start: number, x: Tensor): MatmulOp[] {
  const run: MatmulOp[] = [];
  for (let j = start; j < graph.length; j++) {
    const op = graph[j]!;
    if (op.op !== 'matmul' || !same(op.x, x)) break;
    run.push(op);
  }
  return run;
}

/** `fused` with the add at `index + 1` folded in, where that add sums the matmul's output with a tensor the kernel may read meanwhile. */
function withResidual(fused: FusedMatmul, graph: Graph, index: number): FusedMatmul {
  const add = graph[index + 1];
  const { matmul } = fused;
  if (add?.op !== 'add') return fused;
  const other = same(add.a, matmul.out) ? add.b : same(add.b, matmul.out) ? add.a : undefined;
  // the sum is written while other workgroups still read x (and the norm's input, the swiglu's gate and up)
  const read = [matmul.x, ...(fused.norm ? [fused.norm.x] : []), ...(fused.swiglu ? [fused.swiglu.gate, fused.swiglu.up] : [])];
  // a bias (one row added to each) is not a residual: the epilogue reads other as [m, n]
  if (!other || numel(other.shape) !== numel(matmul.out.shape) || overlaps(other, matmul.out) || read.some((t) => overlaps(add.out, t))) return fused;
  return { ...fused, residual: { add, other } };
}
