import { DTYPE_INFO, byteSize, type DType } from './dtype.js';
import { LlamitaError } from './errors.js';
import type { Op } from './ops.js';
import type { Tensor } from './tensor.js';

const fmt = (t: Tensor): string => `${t.dtype}[${t.shape.join(', ')}]`;

function fail(op: Op, message: string): never {
  throw new LlamitaError('E_SHAPE', `${op.op}: ${message}`, { op: op.op });
}

function expectDType(op: Op, name: string, t: Tensor, dtype: DType): void {
  if (t.dtype !== dtype) throw new LlamitaError('E_DTYPE', `${op.op}: ${name} must be ${dtype}, got ${fmt(t)}`, { op: op.op });
}

function expectRank(op: Op, name: string, t: Tensor, rank: number): void {
  if (t.shape.length !== rank) fail(op, `${name} must have rank ${rank}, got ${fmt(t)}`);
}

function expectShape(op: Op, name: string, t: Tensor, shape: readonly number[]): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    fail(op, `${name} must be [${shape.join(', ')}], got ${fmt(t)}`);
  }
}

function expectWeight(op: Op, name: string, t: Tensor): void {
  if (t.dtype === 'i32') throw new LlamitaError('E_DTYPE', `${op.op}: ${name} cannot be i32`, { op: op.op });
  const inner = t.shape[t.shape.length - 1] ?? 0;
  const { blockSize } = DTYPE_INFO[t.dtype];
  if (inner % blockSize !== 0) fail(op, `${name} rows of ${inner} are not a multiple of ${t.dtype}'s block size ${blockSize}`);
}

/**
 * Checks one op's dtypes and shapes against the contract. Every backend calls
 * this before running anything, so a bad graph fails the same way everywhere.
 * @throws {@link LlamitaError} `E_SHAPE` or `E_DTYPE`, naming the op and operand.
 */
export function validateOp(op: Op): void {
  switch (op.op) {
    case 'embedding': {
      expectRank(op, 'table', op.table, 2);
      expectWeight(op, 'table', op.table);
      expectDType(op, 'ids', op.ids, 'i32');
      expectRank(op, 'ids', op.ids, 1);
      expectDType(op, 'out', op.out, 'f32');
      expectShape(op, 'out', op.out, [op.ids.shape[0]!, op.table.shape[1]!]);
      return;
    }
    case 'rms_norm': {
      expectDType(op, 'x', op.x, 'f32');
      expectRank(op, 'x', op.x, 2);
      expectDType(op, 'weight', op.weight, 'f32');
      expectShape(op, 'weight', op.weight, [op.x.shape[1]!]);
      expectDType(op, 'out', op.out, 'f32');
      expectShape(op, 'out', op.out, op.x.shape);
      if (!(op.eps >= 0)) fail(op, `eps must be >= 0, got ${op.eps}`);
      return;
    }
    case 'matmul': {
      expectDType(op, 'x', op.x, 'f32');
      expectRank(op, 'x', op.x, 2);
      expectRank(op, 'w', op.w, 2);
      expectWeight(op, 'w', op.w);
      if (op.w.shape[1] !== op.x.shape[1]) fail(op, `x ${fmt(op.x)} and w ${fmt(op.w)} disagree on k`);
      expectDType(op, 'out', op.out, 'f32');
      expectShape(op, 'out', op.out, [op.x.shape[0]!, op.w.shape[0]!]);
      return;
    }
    case 'rope': {
      expectDType(op, 'x', op.x, 'f32');
      expectRank(op, 'x', op.x, 3);
      if (op.x.shape[2]! % 2 !== 0) fail(op, `headDim must be even, got ${op.x.shape[2]}`);
      expectDType(op, 'positions', op.positions, 'i32');
      expectShape(op, 'positions', op.positions, [op.x.shape[0]!]);
      expectDType(op, 'out', op.out, 'f32');
      expectShape(op, 'out', op.out, op.x.shape);
      if (!(op.theta > 0)) fail(op, `theta must be > 0, got ${op.theta}`);
      if (op.freqFactors) {
        expectDType(op, 'freqFactors', op.freqFactors, 'f32');
        expectShape(op, 'freqFactors', op.freqFactors, [op.x.shape[2]! / 2]);
      }
      return;
    }
    case 'attention': {
      expectDType(op, 'q', op.q, 'f32');
      expectRank(op, 'q', op.q, 3);
      const [m, nHead, headDim] = op.q.shape as [number, number, number];
      if (op.k.dtype !== 'f32' && op.k.dtype !== 'f16') throw new LlamitaError('E_DTYPE', `attention: the cache must be f32 or f16, got ${fmt(op.k)}`, { op: op.op });
      expectRank(op, 'k', op.k, 3);
      expectDType(op, 'v', op.v, op.k.dtype);
      expectShape(op, 'v', op.v, op.k.shape);
      const nKv = op.k.shape[1]!;
      if (op.k.shape[2] !== headDim) fail(op, `k ${fmt(op.k)} head size differs from q ${fmt(op.q)}`);
      if (nKv === 0 || nHead % nKv !== 0) fail(op, `q heads (${nHead}) must be a multiple of kv heads (${nKv})`);
      expectDType(op, 'positions', op.positions, 'i32');
      expectShape(op, 'positions', op.positions, [m]);
      expectDType(op, 'out', op.out, 'f32');
      expectShape(op, 'out', op.out, [m, nHead * headDim]);
      return;
    }
    case 'swiglu':
    case 'add': {
      const [a, b] = op.op === 'add' ? [op.a, op.b] : [op.gate, op.up];
      expectDType(op, 'inputs', a, 'f32');
      expectDType(op, 'inputs', b, 'f32');
      // add's b may be one row, added to each row of a [m, n] a
      const bias = op.op === 'add' && a.shape.length === 2 && b.shape.length === 1;
      expectShape(op, 'second input', b, bias ? [a.shape[1]!] : a.shape);
      expectDType(op, 'out', op.out, 'f32');
      expectShape(op, 'out', op.out, a.shape);
      return;
    }
    case 'copy': {
      expectDType(op, 'src', op.src, 'f32');
      if (op.dst.dtype !== 'f32' && op.dst.dtype !== 'f16') throw new LlamitaError('E_DTYPE', `copy: dst must be f32 or f16, got ${fmt(op.dst)}`, { op: op.op });
      if (op.rows === undefined) {
        expectShape(op, 'dst', op.dst, op.src.shape as number[]);
        return;
      }
      expectRank(op, 'src', op.src, 2);
      expectRank(op, 'dst', op.dst, 2);
      if (op.dst.shape[1] !== op.src.shape[1]) fail(op, `src ${fmt(op.src)} and dst ${fmt(op.dst)} rows differ in width`);
      expectDType(op, 'rows', op.rows, 'i32');
      expectShape(op, 'rows', op.rows, [op.src.shape[0]!]);
      return;
    }
    case 'argmax': {
      expectDType(op, 'x', op.x, 'f32');
      expectRank(op, 'x', op.x, 2);
      expectDType(op, 'out', op.out, 'i32');
      expectShape(op, 'out', op.out, [op.x.shape[0]!]);
      return;
    }
    case 'sample': {
      expectDType(op, 'logits', op.logits, 'f32');
      expectRank(op, 'logits', op.logits, 2);
      if (op.logits.shape[1] === 0) fail(op, 'logits rows are empty');
      expectDType(op, 'random', op.random, 'i32');
      expectShape(op, 'random', op.random, [op.logits.shape[0]!]);
      expectDType(op, 'out', op.out, 'i32');
      expectShape(op, 'out', op.out, [op.logits.shape[0]!]);
      const settings = { topK: op.topK >= 0 && Number.isInteger(op.topK), topP: op.topP >= 0 && op.topP <= 1, minP: op.minP >= 0 && op.minP <= 1, temperature: op.temperature >= 0 };
      for (const [name, ok] of Object.entries(settings))
        if (!ok) throw new LlamitaError('E_INVALID_ARGUMENT', `sample: ${name} is out of range, got ${op[name as keyof typeof settings]}`, { op: op.op });
      return;
    }
  }
}

/** The tensors an op reads, and the one it writes. */
export interface Operands {
  /** What the op reads. */
  readonly inputs: readonly Tensor[];
  /** What it writes. */
  readonly output: Tensor;
}

/** The tensors an op reads, and the one it writes. */
export function operandsOf(op: Op): Operands {
  switch (op.op) {
    case 'embedding':
      return { inputs: [op.table, op.ids], output: op.out };
    case 'rms_norm':
      return { inputs: [op.x, op.weight], output: op.out };
    case 'matmul':
      return { inputs: [op.x, op.w], output: op.out };
    case 'rope':
      return { inputs: op.freqFactors ? [op.x, op.positions, op.freqFactors] : [op.x, op.positions], output: op.out };
    case 'attention':
      return { inputs: [op.q, op.k, op.v, op.positions], output: op.out };
    case 'swiglu':
      return { inputs: [op.gate, op.up], output: op.out };
    case 'add':
      return { inputs: [op.a, op.b], output: op.out };
    case 'copy':
      return { inputs: op.rows ? [op.src, op.rows] : [op.src], output: op.dst };
    case 'argmax':
      return { inputs: [op.x], output: op.out };
    case 'sample':
      return { inputs: [op.logits, op.random], output: op.out };
  }
}

/** Whether two tensors share any byte of one buffer. */
export function overlaps(a: Tensor, b: Tensor): boolean {
  if (a.buffer.backend !== b.buffer.backend || a.buffer.id !== b.buffer.id) return false;
  return a.byteOffset < b.byteOffset + byteSize(b.dtype, b.shape) && b.byteOffset < a.byteOffset + byteSize(a.dtype, a.shape);
}

/**
 * Checks every op of a graph ({@link validateOp}) and the aliasing rule of
 * contract v2: an op's output shares no byte with its inputs.
 * @throws {@link LlamitaError} `E_SHAPE`/`E_DTYPE` from validateOp; `E_INVALID_ARGUMENT` naming the op and operand that alias.
 */
export function validateGraph(graph: readonly Op[]): void {
  graph.forEach((op, index) => {
    validateOp(op);
    const { inputs, output } = operandsOf(op);
    for (const input of inputs) {
      if (overlaps(input, output)) {
        throw new LlamitaError(
          'E_INVALID_ARGUMENT',
          `${op.op} (op ${index} of the graph): its output ${fmt(output)} overlaps an input ${fmt(input)}; contract v2 forbids aliasing (write to another tensor)`,
          { op: op.op, index },
        );
      }
    }
  });
}
