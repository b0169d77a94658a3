import { LlamitaError } from '@llamita/core';
import { checkConfig, type LlamaConfig } from '../llama/config.js';
import { LlamaModel, type LlamaLoadOptions } from '../llama/model.js';
import type { TensorSource } from '../llama/tensor-source.js';
import type { Backend } from '@llamita/core';
import { metaNumber, metaString } from './metadata.js';
import { readTensorData, type GgufFile } from './reader.js';

// The GGUF side of a Llama model, as safetensors/hf-llama.ts is the Hugging
// Face side: the config from `llama.*` metadata and the tensors (already named
// as llama.cpp names them). The llama/ folder knows only configs and tensor sources.

/**
 * Reads the Llama config from GGUF metadata (`llama.*` keys).
 * @throws LlamitaError `E_UNSUPPORTED_MODEL` for another architecture or a missing key.
 */
export function llamaConfigFromGguf(file: GgufFile): LlamaConfig {
  const arch = metaString(file, 'general.architecture');
  if (arch !== 'llama') throw new LlamitaError('E_UNSUPPORTED_MODEL', `${file.source.name}: architecture "${arch}" is not supported (only llama)`, { architecture: arch });
  const embd = file.tensors.find((t) => t.name === 'token_embd.weight');
  if (!embd) throw new LlamitaError('E_UNSUPPORTED_MODEL', `${file.source.name}: tensor token_embd.weight is missing`, { tensor: 'token_embd.weight' });
  const dim = metaNumber(file, 'llama.embedding_length');
  const nHeads = metaNumber(file, 'llama.attention.head_count');
  const headDim = dim / nHeads;
  const ropeDims = metaNumber(file, 'llama.rope.dimension_count', headDim);
  if (ropeDims !== headDim) throw new LlamitaError('E_UNSUPPORTED_MODEL', `${file.source.name}: partial RoPE (${ropeDims} of ${headDim} dims) is not supported`);
  refuseLlamaVariants(file);
  return checkConfig(
    {
      dim,
      ffnDim: metaNumber(file, 'llama.feed_forward_length'),
      nLayers: metaNumber(file, 'llama.block_count'),
      nHeads,
      nKvHeads: metaNumber(file, 'llama.attention.head_count_kv', nHeads),
      headDim,
      vocabSize: embd.shape[0]!,
      contextLength: metaNumber(file, 'llama.context_length', 2048),
      ropeTheta: metaNumber(file, 'llama.rope.freq_base', 10000),
      normEps: metaNumber(file, 'llama.attention.layer_norm_rms_epsilon', 1e-5),
      ropeMode: 'adjacent',
    },
    file.source.name,
  );
}

/**
 * Refuses what a `llama` GGUF may carry that the forward pass does not
 * compute, so such a file gets an error naming it instead of running wrong:
 * RoPE frequency factors (`rope_freqs.weight`, how Llama 3.1 and 3.2 files
 * scale RoPE), another RoPE scaling, and biases in the block.
 */
function refuseLlamaVariants(file: GgufFile): void {
  const name = file.source.name;
  if (file.tensors.some((t) => t.name === 'rope_freqs.weight')) {
    throw new LlamitaError('E_UNSUPPORTED_MODEL', `${name}: RoPE frequency factors (rope_freqs.weight, Llama 3.1 and later) are not supported yet`, { tensor: 'rope_freqs.weight' });
  }
  const scaling = metaString(file, 'llama.rope.scaling.type', 'none');
  if (scaling !== 'none') throw new LlamitaError('E_UNSUPPORTED_MODEL', `${name}: RoPE scaling "${scaling}" is not supported yet`, { key: 'llama.rope.scaling.type' });
  const bias = file.tensors.find((t) => t.name.endsWith('.bias'));
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

/** Loads a Llama GGUF onto `backend` and allocates its KV cache (`LlamaModel.load` with the file's config and tensors). */
export function loadGgufLlama(file: GgufFile, backend: Backend, options: LlamaLoadOptions = {}): Promise<LlamaModel> {
  return LlamaModel.load(ggufTensorSource(file), llamaConfigFromGguf(file), backend, options);
}
