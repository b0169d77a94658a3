import type { BackendFactory } from '@llamita/core';
import { jsBackend } from '@llamita/backend-js';
import { wasmBackend } from '@llamita/backend-wasm';
import { UsageError } from './cli-error.js';

/** The backends `--backend` can name. WebGPU covers only part of the op set so far. */
export async function backendFactory(name: string | undefined): Promise<BackendFactory> {
  switch (name ?? 'js') {
    case 'js':
      return jsBackend;
    case 'wasm':
      return wasmBackend;
    case 'webgpu':
      throw new UsageError('the webgpu backend cannot run a whole model yet (it implements part of the op set); use --backend js or wasm');
    default:
      throw new UsageError(`unknown backend "${name}" (available: js, wasm)`);
  }
}
