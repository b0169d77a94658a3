/**
 * Seeded token sampling: a deterministic PRNG and the basic sampler steps
 * (greedy, temperature, top-k, top-p, min-p).
 * @packageDocumentation
 */
export { Prng } from './prng.js';
export { greedy, sampleToken, type SamplingOptions } from './samplers.js';
