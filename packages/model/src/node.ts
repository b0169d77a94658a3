/**
 * Node-only entry of `@llamita/model`: model files on disk.
 * @packageDocumentation
 */
export { fileSource } from './gguf/node-source.js';
export type { ByteSource } from './gguf/source.js';
export { openHfCheckpoint, type HfCheckpoint } from './safetensors/node-checkpoint.js';
export type { LlamaConfig } from './llama/config.js';
export type { TensorSource, TensorEntry } from './llama/tensor-source.js';
