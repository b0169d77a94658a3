import { DTYPE_INFO, LlamitaError, allocateTensor, byteSize, plannedTensor, type Backend, type DType, type Tensor } from '@llamita/core';
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
  /** f32 [nHeads*hd], q's bias (config.qkvBias only) */
  readonly bq?: Tensor;
  /** f32 [nKvHeads*hd], k's bias (config.qkvBias only) */
  readonly bk?: Tensor;
  /** f32 [nKvHeads*hd], v's bias (config.qkvBias only) */
  readonly bv?: Tensor;
  /** f32 [hd], the per-head norm of q (config.qkNorm only) */
  readonly qNorm?: Tensor;
  /** f32 [hd], the per-head norm of k (config.qkNorm only) */
  readonly kNorm?: Tensor;
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
  /** f32 [hd/2], RoPE's frequency factors (config.ropeFreqFactors only) */
  readonly ropeFreqs?: Tensor;
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

/** Expected shapes of every tensor, by GGUF name (llama.cpp's LLM_ARCH_LLAMA table, with Qwen2's q/k/v biases and Qwen3's q/k norms when the config has them). */
export function expectedShapes(c: LlamaConfig): Map<string, readonly number[]> {
  const hd = c.headDim;
  const shapes = new Map<string, readonly number[]>([
    ['token_embd.weight', [c.vocabSize, c.dim]],
    ['output_norm.weight', [c.dim]],
    ['output.weight', [c.vocabSize, c.dim]],
    ...(c.ropeFreqFactors ? ([['rope_freqs.weight', [hd / 2]]] as const) : []),
  ]);
  for (let l = 0; l < c.nLayers; l++) {
    const b = `blk.${l}.`;
    shapes.set(`${b}attn_norm.weight`, [c.dim]);
    shapes.set(`${b}attn_q.weight`, [c.nHeads * hd, c.dim]);
    shapes.set(`${b}attn_k.weight`, [c.nKvHeads * hd, c.dim]);
    shapes.set(`${b}attn_v.weight`, [c.nKvHeads * hd, c.dim]);
    shapes.set(`${b}attn_output.weight`, [c.dim, c.nHeads * hd]);
    if (c.qkvBias) {
      shapes.set(`${b}attn_q.bias`, [c.nHeads * hd]);
      shapes.set(`${b}attn_k.bias`, [c.nKvHeads * hd]);
      shapes.set(`${b}attn_v.bias`, [c.nKvHeads * hd]);
    }
    if (c.qkNorm) {
      shapes.set(`${b}attn_q_norm.weight`, [hd]);
      shapes.set(`${b}attn_k_norm.weight`, [hd]);
    }
    shapes.set(`${b}ffn_norm.weight`, [c.dim]);
    shapes.set(`${b}ffn_gate.weight`, [c.ffnDim, c.dim]);
    shapes.set(`${b}ffn_up.weight`, [c.ffnDim, c.dim]);
    shapes.set(`${b}ffn_down.weight`, [c.dim, c.ffnDim]);
  }
  return shapes;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * The tensors a model needs from `source`, checked against the config's shapes.
 * @throws LlamitaError `E_UNSUPPORTED_MODEL` naming a missing or misshapen tensor.
 */
function neededEntries(source: TensorSource, config: LlamaConfig): TensorEntry[] {
  const shapes = expectedShapes(config);
  const hasOutput = source.entries.has('output.weight');
  return [...shapes.keys()]
    .filter((n) => n !== 'output.weight' || hasOutput)
    .map((name) => {
      const info = source.entries.get(name);
      if (!info) throw new LlamitaError('E_UNSUPPORTED_MODEL', `${source.name}: tensor ${name} is missing`, { tensor: name });
      if (!sameShape(info.shape, shapes.get(name)!)) {
        throw new LlamitaError('E_UNSUPPORTED_MODEL', `${source.name}: tensor ${name} has shape [${info.shape.join(', ')}], expected [${shapes.get(name)!.join(', ')}]`, { tensor: name });
      }
      return info;
    });
}

/** Puts tensors in the model's structure, by name; the output head is the embedding table when the file ties them. */
function assemble(config: LlamaConfig, t: (name: string) => Tensor | undefined): LlamaWeights {
  const get = (name: string) => t(name)!;
  const layers = Array.from({ length: config.nLayers }, (_, l) => {
    const b = `blk.${l}.`;
    return {
      attnNorm: get(`${b}attn_norm.weight`),
      wq: get(`${b}attn_q.weight`),
      wk: get(`${b}attn_k.weight`),
      wv: get(`${b}attn_v.weight`),
      ...(config.qkvBias && { bq: get(`${b}attn_q.bias`), bk: get(`${b}attn_k.bias`), bv: get(`${b}attn_v.bias`) }),
      ...(config.qkNorm && { qNorm: get(`${b}attn_q_norm.weight`), kNorm: get(`${b}attn_k_norm.weight`) }),
      wo: get(`${b}attn_output.weight`),
      ffnNorm: get(`${b}ffn_norm.weight`),
      wGate: get(`${b}ffn_gate.weight`),
      wUp: get(`${b}ffn_up.weight`),
      wDown: get(`${b}ffn_down.weight`),
    };
  });
  const tokenEmbedding = get('token_embd.weight');
  return {
    tokenEmbedding,
    layers,
    outputNorm: get('output_norm.weight'),
    output: t('output.weight') ?? tokenEmbedding,
    ...(config.ropeFreqFactors && { ropeFreqs: get('rope_freqs.weight') }),
  };
}

/**
 * The dtype a tensor gets on a backend: norm vectors f32 (the op set needs
 * them so), float matrices re-encoded to `quantizeTo` when given and their
 * rows fit its blocks, everything else as stored.
 */
function uploadedDType(info: TensorEntry, quantizeTo?: DType): DType {
  const cols = info.shape[info.shape.length - 1]!;
  if (info.shape.length === 1) return 'f32';
  if (quantizeTo && info.shape.length === 2 && !DTYPE_INFO[info.dtype].quantized && cols % DTYPE_INFO[quantizeTo].blockSize === 0) return quantizeTo;
  return info.dtype;
}

/**
 * The weights as planned tensors (dtypes and shapes, no storage): for asking a
 * backend whether it runs the model before anything is uploaded.
 */
export function plannedWeights(source: TensorSource, config: LlamaConfig, quantizeTo?: DType): LlamaWeights {
  const planned = new Map(neededEntries(source, config).map((info) => [info.name, plannedTensor(uploadedDType(info, quantizeTo), info.shape)]));
  return assemble(config, (name) => planned.get(name));
}

/**
 * Uploads a model's weights to `backend`, one tensor at a time (never the
 * whole file in memory), each in a buffer allocated for weights of its dtype
 * and shape.
 * @throws LlamitaError `E_UNSUPPORTED_MODEL` naming a missing or misshapen tensor.
 */
export async function loadLlamaWeights(source: TensorSource, config: LlamaConfig, backend: Backend, onProgress?: (p: LoadProgress) => void, quantizeTo?: DType): Promise<LlamaWeights> {
  const infos = neededEntries(source, config);
  const total = infos.reduce((s, t) => s + t.byteLength, 0);
  let loaded = 0;
  const uploaded = new Map<string, Tensor>();
  for (const info of infos) {
    onProgress?.({ loaded, total, stage: info.name });
    uploaded.set(info.name, await upload(source, info, backend, quantizeTo));
    loaded += info.byteLength;
  }
  onProgress?.({ loaded, total, stage: 'done' });
  return assemble(config, (name) => uploaded.get(name));
}

/**
 * Bytes the weights of `source` take on a backend once uploaded as
 * {@link loadLlamaWeights} does (vectors as f32, float matrices re-encoded to `quantizeTo`).
 */
export function plannedWeightBytes(source: TensorSource, config: LlamaConfig, quantizeTo?: DType): number {
  let total = 0;
  for (const name of expectedShapes(config).keys()) {
    const info = source.entries.get(name);
    if (info) total += byteSize(uploadedDType(info, quantizeTo), info.shape);
  }
  return total;
}

/** Frees the buffers of uploaded weights (the tied output head is the embedding's). */
export function releaseWeights(weights: LlamaWeights, backend: Backend): void {
  const all = [weights.tokenEmbedding, weights.outputNorm, weights.output, ...(weights.ropeFreqs ? [weights.ropeFreqs] : []), ...weights.layers.flatMap((l) => Object.values(l) as Tensor[])];
  for (const buffer of new Set(all.map((t) => t.buffer))) backend.release(buffer);
}

/** Reads one tensor and puts it on the backend in the dtype {@link uploadedDType} chooses. */
async function upload(source: TensorSource, info: TensorEntry, backend: Backend, quantizeTo?: DType): Promise<Tensor> {
  let bytes = await source.read(info.name);
  const dtype = uploadedDType(info, quantizeTo);
  const count = info.shape.reduce((a, b) => a * b, 1);
  if (dtype !== info.dtype) {
    const values = dequantizeToF32(info.dtype, bytes, 0, count);
    bytes = dtype === 'f32' ? new Uint8Array(values.buffer) : quantize(dtype, values);
  }
  // a vector is f32 by now (uploadedDType)
  if (info.name === 'rope_freqs.weight') checkRopeFactors(source.name, new Float32Array(bytes.slice().buffer));
  const tensor = allocateTensor(backend, 'weights', dtype, info.shape, info.name);
  backend.write(tensor.buffer, 0, bytes);
  return tensor;
}

/**
 * RoPE divides each pair's angle by its factor: a factor that is zero,
 * negative or not finite would turn every output into garbage, so a file
 * carrying one is refused.
 * @throws LlamitaError `E_BAD_FILE` naming the first bad factor.
 */
function checkRopeFactors(file: string, factors: Float32Array): void {
  const bad = factors.findIndex((f) => !(f > 0 && Number.isFinite(f)));
  if (bad >= 0) throw new LlamitaError('E_BAD_FILE', `${file}: rope_freqs.weight[${bad}] is ${factors[bad]}; RoPE frequency factors must be positive and finite`, { tensor: 'rope_freqs.weight' });
}
