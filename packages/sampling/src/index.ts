/**
 * Seeded token sampling as llama.cpp's sampler chain: penalties, DRY, top-k,
 * typical-p, top-p, min-p, XTC, temperature, Mirostat 2.0, logit bias; and
 * stop strings that may span token boundaries.
 * @packageDocumentation
 */
export { Prng } from './prng.js';
export { Candidates } from './candidates.js';
export { SamplerChain, DEFAULT_ORDER, SAMPLING_DEFAULTS, type SamplerName, type SamplingOptions } from './chain.js';
export {
  type Sampler,
  type SamplerContext,
  type PenaltyOptions,
  type DryOptions,
  greedySampler,
  distSampler,
  temperatureSampler,
  topKSampler,
  topPSampler,
  minPSampler,
  typicalSampler,
  penaltiesSampler,
  logitBiasSampler,
  xtcSampler,
  drySampler,
  mirostatV2Sampler,
} from './samplers.js';
export { StopStringFilter } from './stop.js';
export { JsonConstraint, JSON_SCHEMA_LIMITS, type JsonSchema } from './json-schema.js';
