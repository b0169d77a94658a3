/**
 * The reference backend: every op of the llamita contract in plain
 * TypeScript f32 math. Written for clarity, not speed: the spec the fast backends are checked against.
 * @packageDocumentation
 */
export { JsBackend, jsBackend, LLAMA_CPP_X86_NUMERICS } from './backend.js';
export { sampleRow, type SampleSettings } from './sample.js';
export * as kernels from './kernels.js';
export { executeReference } from './reference-ops.js';
export { TensorViews } from './views.js';
