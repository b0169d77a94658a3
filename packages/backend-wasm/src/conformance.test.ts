import { describeConformance } from '@llamita/testkit';
import { WasmBackend, wasmBackend } from './backend.js';

// the default (every hardware thread) and a single thread: both builds of the kernels
describeConformance(wasmBackend);
describeConformance({ ...wasmBackend, name: 'wasm (1 thread)', create: () => WasmBackend.create({ threads: 1 }) });
