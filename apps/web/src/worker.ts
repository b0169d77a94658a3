import { jsBackend } from '@llamita/backend-js';
import { wasmBackend } from '@llamita/backend-wasm';
import { createWebGpuBackendFactory } from '@llamita/backend-webgpu';
import { exposeEngine, type Endpoint } from 'llamita/worker';

// The engine runs here, off the page's thread; the page drives it with createWorkerEngine.
// `webgpu` asked for by name takes a software adapter too (SwiftShader); `webgpu-gpu` (what `auto` tries first) only a GPU's.
exposeEngine(self as unknown as Endpoint, {
  backends: {
    webgpu: createWebGpuBackendFactory({ allowSoftwareAdapter: true }),
    'webgpu-gpu': createWebGpuBackendFactory(),
    wasm: wasmBackend,
    js: jsBackend,
  },
});
