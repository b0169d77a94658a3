/**
 * WebGPU in Node.js through Dawn (the `webgpu` npm package, an optional peer
 * dependency): `createWebGpuBackendFactory({ gpu: dawnGpu })`.
 * @packageDocumentation
 */

/**
 * Loads Dawn's `GPU` from the `webgpu` package and installs its globals
 * (`GPUBufferUsage` and the other WebGPU constants) as a browser has them.
 * Resolves to undefined when the package is not installed or does not load
 * (no Vulkan loader on this machine, say).
 */
export async function dawnGpu(): Promise<GPU | undefined> {
  // Dawn's Vulkan backend keeps sockets and caches under XDG_RUNTIME_DIR
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  try {
    const { create, globals } = (await import('webgpu')) as { create: (flags: string[]) => GPU; globals: object };
    Object.assign(globalThis, globals);
    return create([]);
  } catch {
    return undefined;
  }
}
