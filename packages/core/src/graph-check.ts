import type { Backend, PreparedGraph, Support } from './backend.js';
import { LlamitaError } from './errors.js';
import type { Graph, Op } from './ops.js';
import { PLANNED_BUFFER_BACKEND } from './tensor.js';
import { operandsOf, validateGraph } from './validate.js';

/** How an op shows in messages: its name with its operands' dtypes and shapes. */
export function describeOp(op: Op): string {
  const { inputs, output } = operandsOf(op);
  return `${op.op}(${inputs.map((t) => `${t.dtype}[${t.shape.join(', ')}]`).join(', ')}) -> ${output.dtype}[${output.shape.join(', ')}]`;
}

/**
 * Asks `backend` about every op of `graph` (dtypes and shapes only, so the
 * graph may be made of planned tensors) and returns the first refusal, naming
 * the op. Loaders call it before uploading a byte.
 */
export function supportsGraph(backend: Pick<Backend, 'supports' | 'info'>, graph: Graph): Support {
  for (const op of graph) {
    const answer = backend.supports(op);
    if (!answer.ok) return { ok: false, reason: `the ${backend.info.name} backend cannot run ${describeOp(op)}: ${answer.reason}` };
  }
  return { ok: true };
}

/**
 * What every backend's `prepare` checks first: the graph is valid (shapes,
 * dtypes, no aliasing), every op is supported, and no operand is a planned
 * tensor without storage.
 * @throws {@link LlamitaError} `E_SHAPE`/`E_DTYPE`/`E_INVALID_ARGUMENT` from {@link validateGraph}; `E_UNSUPPORTED_OP` naming the op and why.
 */
export function checkGraph(backend: Pick<Backend, 'supports' | 'info'>, graph: Graph): void {
  validateGraph(graph);
  const answer = supportsGraph(backend, graph);
  if (!answer.ok) throw new LlamitaError('E_UNSUPPORTED_OP', answer.reason);
  for (const op of graph) {
    const { inputs, output } = operandsOf(op);
    if ([...inputs, output].some((t) => t.buffer.backend === PLANNED_BUFFER_BACKEND)) {
      throw new LlamitaError('E_INVALID_ARGUMENT', `${describeOp(op)} has a planned tensor with no storage; allocate it first`, { op: op.op });
    }
  }
}

/**
 * A prepared graph that runs `execute` on each op in order: what a backend
 * that executes inside `run` (js, wasm) returns from `prepare`, once the graph
 * is checked. `checkAlive` throws when the backend was disposed.
 */
export function sequentialGraph(graph: Graph, execute: (op: Op) => void, checkAlive: () => void): PreparedGraph {
  const ops = [...graph];
  let disposed = false;
  return {
    length: ops.length,
    run: () => {
      checkAlive();
      if (disposed) throw new LlamitaError('E_DISPOSED', 'this prepared graph was disposed');
      for (const op of ops) execute(op);
    },
    dispose: () => {
      disposed = true;
    },
  };
}
