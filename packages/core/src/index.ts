/**
 * The llamita contract: what a backend is, what a tensor is, the op set, and errors.
 * It has no runtime dependencies; every other package builds on it.
 * @packageDocumentation
 */
export { type DType, type DTypeInfo, DTYPE_INFO, ALL_DTYPES, WEIGHT_DTYPES, byteSize } from './dtype.js';
export { type ErrorCode, type SerializedError, LlamitaError, throwIfAborted } from './errors.js';
export { type BufferHandle, type Tensor, numel, tensorBytes, tensorOn, reshape, sliceRows, plannedTensor, allocateTensor, PLANNED_BUFFER_BACKEND } from './tensor.js';
export {
  type Op,
  type OpName,
  type Graph,
  type EmbeddingOp,
  type RmsNormOp,
  type MatmulOp,
  type RopeOp,
  type AttentionOp,
  type SwigluOp,
  type AddOp,
  type CopyOp,
  type ArgmaxOp,
  type SampleOp,
  OP_NAMES,
  CONTRACT_VERSION,
} from './ops.js';
export {
  type Backend,
  type BackendInfo,
  type BackendNumerics,
  type BackendFactory,
  type BufferSpec,
  type BufferUsage,
  type PreparedGraph,
  type Support,
  type SupportOk,
  type SupportRefusal,
  type ProbeResult,
  type ProbeOk,
  type ProbeRefusal,
} from './backend.js';
export { validateOp, validateGraph, operandsOf, overlaps, type Operands } from './validate.js';
export { checkGraph, supportsGraph, describeOp, sequentialGraph } from './graph-check.js';
export { asF32, asI32, asBytes, concatBytes, sha256Hex } from './bytes.js';
export { transferTensor } from './transfer.js';
export { ProfilingBackend, opTimingKey, type OpTiming } from './profile.js';
