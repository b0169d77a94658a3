import { DTYPE_INFO, LlamitaError, byteSize, tensorOn, type Backend, type DType, type Tensor } from '@llamita/core';
import { dequantizeToF32, quantize } from '@llamita/tensor';
import type { LlamaConfig } from './config.js';
import type { TensorEntry, TensorSource } from './tensor-source.js';

/** One transformer block's weights (shapes outermost first; `hd` = headDim). */
export interface LlamaLayerWeights {
  /** f32 [dim] */
  readonly attnNorm: Tensor;
  /** [nHeads*hd, dim] */
  readonly wq: Tensor;
  /** [nKvHeads*hd, dim] */
  readonly wk: Tensor;
  /** [nKvHeads*hd, dim] */
  readonly wv: Tensor;
  /** [dim, nHeads*hd] */
  readonly wo: Tensor;
  /** f32 [dim] */
  readonly ffnNorm: Tensor;
  /** [ffnDim, dim] */
  readonly wGate: Tensor;
  /** [ffnDim, dim] */
  readonly wUp: Tensor;
  /** [dim, ffnDim] */
  readonly wDown: Tensor;
}

/** All weights of a Llama model, on one backend. */
export interface LlamaWeights {
  /** [vocab, dim] */
  readonly tokenEmbedding: Tensor;
  /** The transformer blocks, first to last. */
  readonly layers: readonly LlamaLayerWeights[];
  /** f32 [dim] */
  readonly outputNorm: Tensor;
  /** The output head [vocab, dim]; the embedding table itself when the file ties them. */
  readonly output: Tensor;
}

/** Progress of a long operation. */
export interface LoadProgress {
  /** Bytes done so far. */
  readonly loaded: number;
  /** Bytes in all. */
  readonly total: number;
  /** What is being done, e.g. a tensor name. */
  readonly stage: string;
}

/** Expected shapes of every tensor, by GGUF name (llama.cpp's LLM_ARCH_LLAMA table). */
export function expectedShapes(c: LlamaConfig): Map<string, readonly number[]> {
  const hd = c.headDim;
  const shapes = new Map<string, readonly number[]>([
    ['token_embd.weight', [c.vocabSize, c.dim]],
    ['output_norm.weight', [c.dim]],
    ['output.weight', [c.vocabSize, c.dim]],
  ]);
  for (let l = 0; l < c.nLayers; l++) {
    const b = `blk.${l}.`;
    shapes.set(`${b}attn_norm.weight`, [c.dim]);
    shapes.set(`${b}attn_q.weight`, [c.nHeads * hd, c.dim]);
    shapes.set(`${b}attn_k.weight`, [c.nKvHeads * hd, c.dim]);
    shapes.set(`${b}attn_v.weight`, [c.nKvHeads * hd, c.dim]);
    shapes.set(`${b}attn_output.weight`, [c.dim, c.nHeads * hd]);
    shapes.set(`${b}ffn_norm.weight`, [c.dim]);
    shapes.set(`${b}ffn_gate.weight`, [c.ffnDim, c.dim]);
    shapes.set(`${b}ffn_up.weight`, [c.ffnDim, c.dim]);
    shapes.set(`${b}ffn_down.weight`, [c.dim, c.ffnDim]);
  }
  return shapes;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Uploads a model's weights to `backend`, one tensor at a time (never the
 * whole file in memory). Norm vectors are converted to f32, as the op set needs.
 * @throws LlamitaError `E_UNSUPPORTED_MODEL` naming a missing or misshapen tensor.
 */
export async function loadLlamaWeights(source: TensorSource, config: LlamaConfig, backend: Backend, onProgress?: (p: LoadProgress) => void, quantizeTo?: DType): Promise<LlamaWeights> {
  const byName = source.entries;
  const shapes = expectedShapes(config);
  const hasOutput = byName.has('output.weight');
  const needed = [...shapes.keys()].filter((n) => n !== 'output.weight' || hasOutput);
  const infos = needed.map((name) => {
    const info = byName.get(name);
    if (!info) throw new LlamitaError('E_UNSUPPORTED_MODEL', `${source.name}: tensor ${name} is missing`, { tensor: name });
    if (!sameShape(info.shape, shapes.get(name)!)) {
      throw new LlamitaError('E_UNSUPPORTED_MODEL', `${source.name}: tensor ${name} has shape [${info.shape.join(', ')}], expected [${shapes.get(name)!.join(', ')}]`, { tensor: name });
    }
    return info;
  });
  const total = infos.reduce((s, t) => s + t.byteLength, 0);
  let loaded = 0;
  const uploaded = new Map<string, Tensor>();
  for (const info of infos) {
    onProgress?.({ loaded, total, stage: info.name });
    uploaded.set(info.name, await upload(source, info, backend, quantizeTo));
    loaded += info.byteLength;
  }
  onProgress?.({ loaded, total, stage: 'done' });
  const t = (name: string) => uploaded.get(name)!;
  const layers = Array.from({ length: config.nLayers }, (_, l) => {
    const b = `blk.${l}.`;
    return {
      attnNorm: t(`${b}attn_norm.weight`),
      wq: t(`${b}attn_q.weight`),
      wk: t(`${b}attn_k.weight`),
      wv: t(`${b}attn_v.weight`),
      wo: t(`${b}attn_output.weight`),
      ffnNorm: t(`${b}ffn_norm.weight`),
      wGate: t(`${b}ffn_gate.weight`),
      wUp: t(`${b}ffn_up.weight`),
      wDown: t(`${b}ffn_down.weight`),
    };
  });
  const tokenEmbedding = t('token_embd.weight');
  return { tokenEmbedding, layers, outputNorm: t('output_norm.weight'), output: hasOutput ? t('output.weight') : tokenEmbedding };
}

/**
 * Bytes the weights of `source` take on a backend once uploaded as
 * {@link loadLlamaWeights} does (vectors as f32, float matrices re-encoded to `quantizeTo`).
 */
export function plannedWeightBytes(source: TensorSource, config: LlamaConfig, quantizeTo?: DType): number {
  let total = 0;
  for (const name of expectedShapes(config).keys()) {
    const info = source.entries.get(name);
    if (!info) continue;
    const cols = info.shape[info.shape.length - 1]!;
    const count = info.shape.reduce((a, b) => a * b, 1);
    if (info.shape.length === 1) total += count * 4;
    else if (quantizeTo && info.shape.length === 2 && !DTYPE_INFO[info.dtype].quantized && cols % DTYPE_INFO[quantizeTo].blockSize === 0) total += byteSize(quantizeTo, info.shape);
    else total += info.byteLength;
  }
  return total;
}

/**
 * Reads one tensor and puts it on the backend: norm vectors as f32; matrices
 * in plain float types re-encoded to `quantizeTo` when given and their rows fit its blocks.
 */
async function upload(source: TensorSource, info: TensorEntry, backend: Backend, quantizeTo?: DType): Promise<Tensor> {
  let bytes = await source.read(info.name);
  let dtype = info.dtype;
  const cols = info.shape[info.shape.length - 1]!;
  const count = info.shape.reduce((a, b) => a * b, 1);
  if (info.shape.length === 1 && dtype !== 'f32') {
    bytes = new Uint8Array(dequantizeToF32(dtype, bytes, 0, count).buffer);
    dtype = 'f32';
  } else if (quantizeTo && info.shape.length === 2 && !DTYPE_INFO[dtype].quantized && cols % DTYPE_INFO[quantizeTo].blockSize === 0) {
    bytes = quantize(quantizeTo, dequantizeToF32(dtype, bytes, 0, count));
    dtype = quantizeTo;
  }
  const buffer = backend.allocate(bytes.byteLength, info.name);
  backend.write(buffer, 0, bytes);
  return tensorOn(buffer, dtype, info.shape);
}
