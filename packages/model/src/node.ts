/**
 * Node-only entry of `@llamita/model`: model files on disk.
 * @packageDocumentation
 */
export { fileSource } from './gguf/node-source.js';
export type { ByteSource } from './gguf/source.js';
