import { allocateTensor, byteSize, plannedTensor, sliceRows, type Backend, type DType, type Tensor } from '@llamita/core';
import type { LlamaConfig } from './config.js';
import type { Activations } from './forward.js';

/** Dtype and shape of every per-batch tensor for `m` tokens with logits for `l` of them. */
function activationShapes(c: LlamaConfig, m: number, l: number): Partial<Record<keyof Activations, readonly [DType, readonly number[]]>> {
  const q = c.nHeads * c.headDim;
  const kv = c.nKvHeads * c.headDim;
  return {
    ...(c.qkNorm && { qNormed: ['f32', [m, q]], kNormed: ['f32', [m, kv]] }),
    ...(c.qkvBias && { qRaw: ['f32', [m, q]], kRaw: ['f32', [m, kv]], vRaw: ['f32', [m, kv]] }),
    ids: ['i32', [m]],
    positions: ['i32', [m]],
    x: ['f32', [m, c.dim]],
    xMid: ['f32', [m, c.dim]],
    h: ['f32', [m, c.dim]],
    q: ['f32', [m, q]],
    k: ['f32', [m, kv]],
    v: ['f32', [m, kv]],
    qRot: ['f32', [m, q]],
    kRot: ['f32', [m, kv]],
    att: ['f32', [m, q]],
    proj: ['f32', [m, c.dim]],
    gate: ['f32', [m, c.ffnDim]],
    up: ['f32', [m, c.ffnDim]],
    act: ['f32', [m, c.ffnDim]],
    logits: ['f32', [l, c.vocabSize]],
    next: ['i32', [l]],
    random: ['i32', [l]],
    sampled: ['i32', [l]],
  };
}

const build = (c: LlamaConfig, m: number, l: number, make: (name: string, dtype: DType, shape: readonly number[]) => Tensor): Activations =>
  Object.fromEntries(Object.entries(activationShapes(c, m, l)).map(([name, [dtype, shape]]) => [name, make(name, dtype, shape)])) as unknown as Activations;

/** Bytes of the scratch for batches of up to `m` tokens with logits for every token. */
export function activationBytes(c: LlamaConfig, m: number): number {
  return Object.values(activationShapes(c, m, m)).reduce((sum, [dtype, shape]) => sum + byteSize(dtype, shape), 0);
}

/** The activations of a batch as planned tensors (no storage), for support checks. */
export function plannedActivations(c: LlamaConfig, m: number, l: number): Activations {
  return build(c, m, l, (_name, dtype, shape) => plannedTensor(dtype, shape));
}

/**
 * The per-batch scratch, allocated once for the largest batch (with logits
 * for every token) and viewed for smaller ones, so memory stays flat whatever
 * batch sizes come.
 */
export class ActivationScratch {
  private readonly whole: Activations;

  constructor(
    c: LlamaConfig,
    /** The largest batch it holds. */
    readonly maxBatch: number,
    private readonly backend: Backend,
  ) {
    this.whole = build(c, maxBatch, maxBatch, (name, dtype, shape) =>
      allocateTensor(backend, ['ids', 'positions', 'next', 'random', 'sampled'].includes(name) ? 'io' : 'activations', dtype, shape, name),
    );
  }

  /** Views of the first `m` rows (logits: `l` rows) of every tensor. */
  view(m: number, l: number): Activations {
    const rows = (name: keyof Activations) => sliceRows(this.whole[name]!, 0, ['logits', 'next', 'random', 'sampled'].includes(name) ? l : m);
    return Object.fromEntries(Object.keys(this.whole).map((name) => [name, rows(name as keyof Activations)])) as unknown as Activations;
  }

  /** Frees every buffer. */
  release(): void {
    for (const t of Object.values(this.whole) as Tensor[]) this.backend.release(t.buffer);
  }
}
