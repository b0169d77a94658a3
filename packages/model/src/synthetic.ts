/**
 * The `@llamita/model/synthetic` entry: random Llama models of chosen shapes
 * and dtypes written as GGUF files, byte for byte reproducible from a seed
 * (for tests, benchmarks and `llamita make-model`). Kept apart from the main
 * entry, which is what an app loads models with.
 * @packageDocumentation
 */
// the types its options mention, so the entry documents itself
export type { GgufFile } from './gguf/reader.js';
export type { GgufValue, GgufValueType, GgufScalar, GgufArray, GgufTensorInfo } from './gguf/types.js';
export type { ByteSource } from './gguf/source.js';
export { type SyntheticShape, type SyntheticShapeName, SYNTHETIC_SHAPES } from './synthetic/shapes.js';
export {
  type SyntheticArch,
  type SyntheticArchLayout,
  type SyntheticDType,
  type SynthesizeOptions,
  type SynthesizedModel,
  type SynthesizedChunk,
  SYNTHETIC_ARCHS,
  llama3RopeFactors,
  synthesizeLlama,
} from './synthetic/synthesize.js';
