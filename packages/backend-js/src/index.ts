/**
 * The reference backend: every op of the llamita contract in plain
 * TypeScript f32 math. Written for clarity, not speed: the spec the fast backends are checked against.
 * @packageDocumentation
 */
export { JsBackend, jsBackend } from './backend.js';
export * as kernels from './kernels.js';
