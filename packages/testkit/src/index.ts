/**
 * The backend conformance suite and its tools: seeded random inputs, float64
 * references, and NMSE + elementwise comparison. Private to the workspace.
 * @packageDocumentation
 */
export { describeConformance, type ConformanceOptions } from './conformance.js';
export { compare, nmse, F32_TOLERANCE, F16_ACCUMULATION_TOLERANCE, type Tolerance, type Comparison } from './compare.js';
export { randomF32, randomWeight } from './random.js';
export { refMatmul, refRmsNorm, refRope, refAttention, refSwiglu } from './reference.js';
export { fixturePath, fixturesAvailable, quantExpectations, type QuantExpectation } from './fixtures.js';
export { useSwiftShaderUnlessConfigured } from './software-gpu.js';
export { lmEvalReference, lmEvalSummary, compareWithLmEval, type LmEvalItem, type ScoredItemLike } from './lm-eval.js';
