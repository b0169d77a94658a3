import type { Backend, BufferUsage } from './backend.js';
import { byteSize, type DType } from './dtype.js';
import { LlamitaError } from './errors.js';

/**
 * A buffer owned by a backend. Its memory lives wherever the backend keeps it
 * (a JS ArrayBuffer, wasm linear memory, a GPUBuffer); callers only hold this handle.
 */
export interface BufferHandle {
  /** The owning backend's name; a buffer is only valid on that backend. */
  readonly backend: string;
  /** Unique id within the owning backend. */
  readonly id: number;
  /** Size in bytes. */
  readonly byteLength: number;
}

/**
 * A dense, row-major tensor on a backend buffer: dtype, shape and a byte offset.
 *
 * This is all a backend ever sees. Views (slices along the outermost dimension,
 * reshapes) are resolved on the host into a new Tensor with another offset or
 * shape over the same buffer, so strides never reach a kernel.
 */
export interface Tensor {
  /** Element or block type. */
  readonly dtype: DType;
  /** Dimensions, outermost first (e.g. `[rows, cols]`). */
  readonly shape: readonly number[];
  /** The storage. */
  readonly buffer: BufferHandle;
  /** Where element 0 starts in the buffer, in bytes. */
  readonly byteOffset: number;
}

/** Number of elements of a shape (1 for a scalar shape `[]`). */
export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Bytes a tensor covers in its buffer. */
export function tensorBytes(t: Pick<Tensor, 'dtype' | 'shape'>): number {
  return byteSize(t.dtype, t.shape);
}

/**
 * Makes a tensor over `buffer` at `byteOffset`, checking that it fits.
 * @throws {@link LlamitaError} `E_OUT_OF_BOUNDS` when it does not.
 */
export function tensorOn(buffer: BufferHandle, dtype: DType, shape: readonly number[], byteOffset = 0): Tensor {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new LlamitaError('E_SHAPE', `bad dimension ${d} in shape [${shape.join(', ')}]`);
  }
  const bytes = byteSize(dtype, shape);
  if (byteOffset < 0 || byteOffset + bytes > buffer.byteLength) {
    throw new LlamitaError('E_OUT_OF_BOUNDS', `a ${dtype} tensor [${shape.join(', ')}] at byte ${byteOffset} needs ${bytes} bytes, but the buffer has ${buffer.byteLength}`);
  }
  return { dtype, shape: [...shape], buffer, byteOffset };
}

/**
 * The same bytes seen with another shape of equal element count.
 * @throws {@link LlamitaError} `E_SHAPE` when the counts differ.
 */
export function reshape(t: Tensor, shape: readonly number[]): Tensor {
  if (numel(shape) !== numel(t.shape)) {
    throw new LlamitaError('E_SHAPE', `cannot reshape [${t.shape.join(', ')}] to [${shape.join(', ')}]`);
  }
  return tensorOn(t.buffer, t.dtype, shape, t.byteOffset);
}

/**
 * Rows `start .. start+count` of the outermost dimension, as a tensor over the same buffer.
 * @throws {@link LlamitaError} `E_OUT_OF_BOUNDS` when the range leaves the tensor.
 */
export function sliceRows(t: Tensor, start: number, count: number): Tensor {
  const rows = t.shape[0] ?? 1;
  if (start < 0 || count < 0 || start + count > rows) {
    throw new LlamitaError('E_OUT_OF_BOUNDS', `rows ${start}..${start + count} are outside [0, ${rows})`);
  }
  const rowShape = t.shape.slice(1);
  const rowBytes = byteSize(t.dtype, rowShape);
  return tensorOn(t.buffer, t.dtype, [count, ...rowShape], t.byteOffset + start * rowBytes);
}

/** The buffer of a {@link plannedTensor}: it belongs to no backend and holds nothing. */
export const PLANNED_BUFFER_BACKEND = 'planned';

/**
 * A tensor with a dtype and shape but no storage, for asking
 * {@link Backend.supports} about a graph before anything is allocated.
 * Backends refuse to run it.
 */
export function plannedTensor(dtype: DType, shape: readonly number[]): Tensor {
  return tensorOn({ backend: PLANNED_BUFFER_BACKEND, id: 0, byteLength: byteSize(dtype, shape) }, dtype, shape);
}

/**
 * Allocates a buffer for one tensor of `dtype` and `shape` on `backend` and
 * returns the tensor (for weights the backend learns dtype and shape, and may
 * choose their layout).
 */
export function allocateTensor(backend: Backend, usage: BufferUsage, dtype: DType, shape: readonly number[], label?: string): Tensor {
  const byteLength = byteSize(dtype, shape);
  const buffer = backend.allocate({ byteLength, usage, dtype, shape, ...(label !== undefined && { label }) });
  return tensorOn(buffer, dtype, shape);
}
