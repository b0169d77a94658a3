/**
 * Model files and the Llama forward pass: a GGUF reader and writer over any
 * byte source (memory, Blob, http range requests), the Llama config, weight
 * upload, and {@link LlamaModel} with its KV cache. Node file access lives in
 * `@llamita/model/node`.
 * @packageDocumentation
 */
export { type ByteSource, type UrlSourceOptions, bytesSource, blobSource, urlSource } from './gguf/source.js';
export { type GgufFile, GGUF_LIMITS, readGguf, readTensorData } from './gguf/reader.js';
export { type GgufTensorToWrite, serializeGguf } from './gguf/writer.js';
export { metaNumber, metaString, metaArray } from './gguf/metadata.js';
export { type GgufValue, type GgufValueType, type GgufScalar, type GgufArray, type GgufTensorInfo, GGML_TYPE_IDS } from './gguf/types.js';
export { type LlamaConfig } from './llama/config.js';
export { llamaConfigFromGguf, ggufTensorSource, ggufModelTensors, loadGgufLlama } from './gguf/gguf-llama.js';
export { GGUF_ARCHITECTURES, type GgufArchitecture } from './gguf/architectures.js';
export { splitFusedProjections } from './llama/fused-projections.js';
export { type LlamaWeights, type LlamaLayerWeights, type LoadProgress, expectedShapes, loadLlamaWeights, plannedWeights, releaseWeights } from './llama/weights.js';
export { type Activations, type SampleSettings, llamaForward } from './llama/forward.js';
export { KvCache, type LayerCache, type KvSnapshot, type KvType } from './llama/kv-cache.js';
export { ActivationScratch, activationBytes, plannedActivations } from './llama/activations.js';
export { LlamaModel, type LlamaLoadOptions, type LogitsMode } from './llama/model.js';
export { modelFingerprint } from './llama/fingerprint.js';
export { rotateCachedKeys } from './llama/rope-shift.js';
export { type TensorSource, type TensorEntry } from './llama/tensor-source.js';
export { spmVocabFromGguf, bpeVocabFromGguf, tokenizerFromGguf, chatTemplateFromGguf } from './gguf/vocab.js';
export { type GgufTensorLayout, type GgufHeader, ggufHeader, paddingFor } from './gguf/writer.js';
export { type SafetensorsFile, type SafetensorsEntry, MAX_SAFETENSORS_HEADER, readSafetensors, serializeSafetensors } from './safetensors/reader.js';
export { llamaConfigFromHf, ggufNameOf, hfTensorSource, shardsOfIndex, permuteQkRows } from './safetensors/hf-llama.js';
