import { describeConformance } from '@llamita/testkit';
import { WasmBackend, wasmBackend } from './backend.js';

// the default (every hardware thread, relaxed SIMD where the runtime has it) and a single
// thread on the plain SIMD128 kernels: between them, every build of the kernels but one
describeConformance(wasmBackend);
describeConformance({ ...wasmBackend, name: 'wasm (1 thread, plain SIMD)', create: () => WasmBackend.create({ threads: 1, relaxedSimd: false }) });
