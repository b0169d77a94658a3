import { DTYPE_INFO, tensorBytes, type Op, type Support, type Tensor } from '@llamita/core';
import { matmulShape, MAX_GROUPS, weightPieces } from './plan.js';

/** Largest top-k the select kernel keeps (select.wgsl's MAX_K). */
export const MAX_SAMPLE_TOP_K = 64;
/** Largest head dimension of the attention kernel (its workgroup size: one output dimension per thread). */
export const MAX_HEAD_DIM = 256;

/** The device limits support depends on. */
export interface SupportLimits {
  /** Largest byte range one storage binding may cover. */
  readonly maxStorageBufferBindingSize: number;
}

const no = (reason: string): Support => ({ ok: false, reason });
const OK: Support = { ok: true };

/** Every tensor an op binds whole, for the binding-size check (a matmul's weight and an embedding table are split by rows instead: plan.ts's weightPieces). */
function boundTensors(op: Op): Tensor[] {
  switch (op.op) {
    case 'embedding':
      return [op.ids, op.out];
    case 'rms_norm':
      return [op.x, op.weight, op.out];
    case 'matmul':
      return [op.x, op.out];
    case 'rope':
      return op.freqFactors ? [op.x, op.positions, op.out, op.freqFactors] : [op.x, op.positions, op.out];
    case 'attention':
      return [op.q, op.k, op.v, op.positions, op.out];
    case 'swiglu':
      return [op.gate, op.up, op.out];
    case 'add':
      return [op.a, op.b, op.out];
    case 'copy':
      return op.rows ? [op.src, op.dst, op.rows] : [op.src, op.dst];
    case 'argmax':
      return [op.x, op.out];
    case 'sample':
      return [op.logits, op.random, op.out];
  }
}

/** What the WGSL kernels run, given the op's dtypes and shapes (ggml's supports_op). */
export function supportsOp(op: Op, limits: SupportLimits): Support {
  const tooLarge = boundTensors(op).find((t) => tensorBytes(t) > limits.maxStorageBufferBindingSize);
  if (tooLarge) {
    return no(`a ${tooLarge.dtype}[${tooLarge.shape.join(', ')}] tensor of ${tensorBytes(tooLarge)} bytes exceeds this device's storage binding limit of ${limits.maxStorageBufferBindingSize} bytes`);
  }
  const weight = op.op === 'matmul' ? op.w : op.op === 'embedding' ? op.table : undefined;
  if (weight) {
    try {
      weightPieces(weight.dtype, weight.shape[0]!, weight.shape[1]!, limits.maxStorageBufferBindingSize);
    } catch (e) {
      return no((e as Error).message);
    }
  }
  switch (op.op) {
    case 'matmul': {
      const [m, k] = op.x.shape as [number, number];
      const n = op.w.shape[0]!;
      const { rows, tm } = matmulShape(m, k, n, DTYPE_INFO[op.w.dtype].quantized);
      const groups = Math.ceil(n / rows);
      if (groups > MAX_GROUPS) return no(`${n} output rows need ${groups} workgroups, over the ${MAX_GROUPS} of one dispatch dimension`);
      if (Math.ceil(m / tm) > MAX_GROUPS) return no(`a batch of ${m} rows exceeds ${MAX_GROUPS * tm}`);
      return OK;
    }
    case 'rms_norm':
      return op.x.shape[0]! > MAX_GROUPS ? no(`a batch of ${op.x.shape[0]} rows exceeds ${MAX_GROUPS}`) : OK;
    case 'attention': {
      const [m, nHead, hd] = op.q.shape as [number, number, number];
      if (op.k.dtype !== 'f32' && op.k.dtype !== 'f16') return no(`no WGSL attention over a ${op.k.dtype} cache (f32 or f16)`);
      if (hd > MAX_HEAD_DIM) return no(`head dimension ${hd} exceeds the kernel's ${MAX_HEAD_DIM}`);
      if (m > MAX_GROUPS || nHead > MAX_GROUPS) return no(`${m} queries of ${nHead} heads exceed ${MAX_GROUPS} workgroups per dimension`);
      return OK;
    }
    case 'copy': {
      if (op.dst.dtype === 'f32') return OK;
      if (op.dst.dtype !== 'f16') return no(`no WGSL copy into ${op.dst.dtype} (f32 or f16)`);
      const width = op.src.shape[op.src.shape.length - 1]!;
      // one thread writes one u32 word of two halves: rows must not share words
      if (width % 2 !== 0 || op.dst.byteOffset % 4 !== 0) return no(`an f16 copy needs an even row width and a 4-byte aligned destination (width ${width}, byte ${op.dst.byteOffset})`);
      return OK;
    }
    case 'sample':
      if (op.temperature !== 0 && (op.topK < 1 || op.topK > MAX_SAMPLE_TOP_K)) {
        return no(`the WGSL sampler keeps at most ${MAX_SAMPLE_TOP_K} candidates: top-k must be 1..${MAX_SAMPLE_TOP_K} (got ${op.topK}); sample on the host`);
      }
      return OK;
    default:
      return OK;
  }
}
