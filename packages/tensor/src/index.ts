/**
 * Host-side tensor data: half-precision conversions, llama.cpp's GGUF block
 * codecs, and the activation quantization llama.cpp applies before its dot products.
 * @packageDocumentation
 */
export { f16ToF32, f32ToF16, bf16ToF32, f32ToBf16 } from './half.js';
export { dequantize, dequantizeToF32 } from './dequantize.js';
export { quantize, QUANTIZABLE_DTYPES } from './quantize.js';
export { decodeKQuantIntegers, kQuantIntegers, KQUANT_BLOCK_BYTES, type KQuantIntegers, type KQuantIntegerType } from './kquant-integers.js';
export { ropeCosSin } from './rope.js';
export { Scratch, type Growable } from './scratch.js';
export { type ActivationType, activationTypeFor, roundTripActivation, roundHalfEven, quantizeRowQ8_0, quantizeRowQ8K } from './activation.js';
