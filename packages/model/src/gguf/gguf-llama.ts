import { LlamitaError } from '@llamita/core';
import { checkConfig, type LlamaConfig } from '../llama/config.js';
import { splitFusedProjections } from '../llama/fused-projections.js';
import { LlamaModel, type LlamaLoadOptions } from '../llama/model.js';
import type { TensorSource } from '../llama/tensor-source.js';
import type { Backend } from '@llamita/core';
import { ggufArchitecture } from './architectures.js';
import { metaNumber, metaString } from './metadata.js';
import { readTensorData, type GgufFile } from './reader.js';

// The GGUF side of a Llama-family model, as safetensors/hf-llama.ts is the
// Hugging Face side: the config from `<architecture>.*` metadata and the
// tensors (already named as llama.cpp names them). The llama/ folder knows
// only configs and tensor sources.

/**
 * Reads the config of a Llama-family GGUF (`llama`, `qwen2`, `qwen3`, `phi3`; see
 * {@link GGUF_ARCHITECTURES}) from its `<architecture>.*` metadata.
 * @throws LlamitaError `E_UNSUPPORTED_MODEL` for another architecture, a missing key, or what the forward pass does not compute.
 */
export function llamaConfigFromGguf(file: GgufFile): LlamaConfig {
  const name = file.source.name;
  const arch = metaString(file, 'general.architecture');
  const spec = ggufArchitecture(arch, name);
  const key = (k: string) => `${arch}.${k}`;
  const embd = file.tensors.find((t) => t.name === 'token_embd.weight');
  if (!embd) throw new LlamitaError('E_UNSUPPORTED_MODEL', `${name}: tensor token_embd.weight is missing`, { tensor: 'token_embd.weight' });
  const dim = metaNumber(file, key('embedding_length'));
  const nHeads = metaNumber(file, key('attention.head_count'));
  if (!(nHeads > 0) || dim % nHeads !== 0) throw new LlamitaError('E_BAD_FILE', `${name}: dim ${dim} is not divisible by ${nHeads} heads`);
  // Qwen3's heads are wider than dim / heads (128 for dim 1024 and 16 heads)
  const headDim = metaNumber(file, key('attention.key_length'), dim / nHeads);
  const valueDim = metaNumber(file, key('attention.value_length'), headDim);
  if (valueDim !== headDim) throw new LlamitaError('E_UNSUPPORTED_MODEL', `${name}: value heads of ${valueDim} beside key heads of ${headDim} are not supported`);
  const ropeDims = metaNumber(file, key('rope.dimension_count'), headDim);
  if (ropeDims !== headDim) throw new LlamitaError('E_UNSUPPORTED_MODEL', `${name}: partial RoPE (${ropeDims} of ${headDim} dims) is not supported`);
  refuseVariants(file, arch, spec.qkvBias);
  return checkConfig(
    {
      dim,
      ffnDim: metaNumber(file, key('feed_forward_length')),
      nLayers: metaNumber(file, key('block_count')),
      nHeads,
      nKvHeads: metaNumber(file, key('attention.head_count_kv'), nHeads),
      headDim,
      vocabSize: embd.shape[0]!,
      contextLength: metaNumber(file, key('context_length'), 2048),
      ropeTheta: metaNumber(file, key('rope.freq_base'), 10000),
      normEps: metaNumber(file, key('attention.layer_norm_rms_epsilon'), 1e-5),
      ropeMode: spec.ropeMode,
      qkNorm: spec.qkNorm,
      qkvBias: spec.qkvBias,
      ropeFreqFactors: file.tensors.some((t) => t.name === 'rope_freqs.weight'),
    },
    name,
  );
}

/**
 * Refuses what a file may carry that the forward pass does not compute, so
 * such a file gets an error naming it instead of running wrong: Phi-3's
 * long-context `rope_factors_long/short` (Llama 3's `rope_freqs.weight` is
 * computed), another RoPE
 * scaling, and biases the architecture does not have (Qwen2's on Q, K and V
 * are computed; any other, e.g. an output bias, is refused).
 */
function refuseVariants(file: GgufFile, arch: string, qkvBias: boolean): void {
  const name = file.source.name;
  const factors = file.tensors.find((t) => /^blk\.\d+\.rope_factors_(long|short)\.weight$/.test(t.name));
  if (factors) {
    throw new LlamitaError('E_UNSUPPORTED_MODEL', `${name}: long and short RoPE factors (${factors.name}, long-context Phi-3) are not supported yet`, { tensor: factors.name });
  }
  const scaling = metaString(file, `${arch}.rope.scaling.type`, 'none');
  if (scaling !== 'none') throw new LlamitaError('E_UNSUPPORTED_MODEL', `${name}: RoPE scaling "${scaling}" is not supported yet`, { key: `${arch}.rope.scaling.type` });
  const computed = qkvBias ? /^blk\.\d+\.attn_[qkv]\.bias$/ : undefined;
  const bias = file.tensors.find((t) => t.name.endsWith('.bias') && !computed?.test(t.name));
  if (bias) throw new LlamitaError('E_UNSUPPORTED_MODEL', `${name}: ${bias.name}: biases in the block are not supported yet`, { tensor: bias.name });
}

/** A GGUF file as a {@link TensorSource} (its names are already llama.cpp's). */
export function ggufTensorSource(file: GgufFile): TensorSource {
  const entries = new Map(file.tensors.map((t) => [t.name, t]));
  return {
    name: file.source.name,
    entries,
    read: (name) => readTensorData(file, entries.get(name)!),
  };
}

/**
 * The tensors of a Llama-family GGUF as the forward pass names them: Phi-3's
 * fused projections seen as the separate tensors they hold.
 */
export function ggufModelTensors(file: GgufFile, config: LlamaConfig): TensorSource {
  const source = ggufTensorSource(file);
  return ggufArchitecture(metaString(file, 'general.architecture'), file.source.name).fusedProjections ? splitFusedProjections(source, config) : source;
}

/** Loads a Llama-family GGUF onto `backend` and allocates its KV cache (`LlamaModel.load` with the file's config and tensors). */
export function loadGgufLlama(file: GgufFile, backend: Backend, options: LlamaLoadOptions = {}): Promise<LlamaModel> {
  const config = llamaConfigFromGguf(file);
  return LlamaModel.load(ggufModelTensors(file, config), config, backend, options);
}
