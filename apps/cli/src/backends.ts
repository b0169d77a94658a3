import type { BackendFactory } from '@llamita/core';
import { jsBackend } from '@llamita/backend-js';
import { UsageError } from './cli-error.js';

/** The backends `--backend` can name. WebGPU covers only part of the op set so far. */
export async function backendFactory(name: string | undefined): Promise<BackendFactory> {
  switch (name ?? 'js') {
    case 'js':
      return jsBackend;
    case 'webgpu':
    case 'wasm':
      throw new UsageError(`the ${name} backend cannot run a whole model yet (it implements part of the op set); use --backend js`);
    default:
      throw new UsageError(`unknown backend "${name}" (available: js)`);
  }
}
