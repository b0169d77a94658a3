import { overlaps, type Graph, type Op, type Tensor } from '@llamita/core';

type MatmulOp = Extract<Op, { op: 'matmul' }>;
type RmsNormOp = Extract<Op, { op: 'rms_norm' }>;
type AddOp = Extract<Op, { op: 'add' }>;

/** A matmul with the ops folded into its kernel: the RMSNorm that makes its x, the residual add of its output, the matmuls that read the same x. */
export interface FusedMatmul {
  readonly op: 'fused_matmul';
  readonly matmul: MatmulOp;
  /** Matmuls right after it that read the same x, computed in the same dispatch (never with a residual). */
  readonly siblings?: readonly MatmulOp[];
  /** Normalizes x as the matmul stages it, and writes the norm's output too. */
  readonly norm?: RmsNormOp;
  /** Adds the other operand to the matmul's output and writes the sum too. */
  readonly residual?: { readonly add: AddOp; readonly other: Tensor };
}

/** An op of the graph as planned: as it is, or a matmul with its neighbours folded in. */
export type PlannedOp = Op | FusedMatmul;

/** Whether two tensors are the same bytes seen the same way. */
const same = (a: Tensor, b: Tensor): boolean => a.buffer.id === b.buffer.id && a.byteOffset === b.byteOffset && a.dtype === b.dtype && a.shape.join() === b.shape.join();

/** What the kernels can take, for {@link fuseGraph}. */
export interface FuseRules {
  /** Whether the matmul's kernel can normalize its x rows as it stages them. */
  normFits(matmul: MatmulOp): boolean;
  /** Whether these matmuls, which read the same x, can run as one dispatch. */
  groupFits(matmuls: readonly MatmulOp[]): boolean;
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
 * - a matmul followed by an add of its output and another tensor (the
 *   residual stream): the matmul's kernel adds and writes the sum.
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
  // the sum is written while other workgroups still read x (and the norm's input)
  if (!other || overlaps(other, matmul.out) || overlaps(add.out, matmul.x) || (fused.norm && overlaps(add.out, fused.norm.x))) return fused;
  return { ...fused, residual: { add, other } };
}
