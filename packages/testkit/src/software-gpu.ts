import { existsSync } from 'node:fs';

/** SwiftShader's Vulkan driver, as Debian's `chromium` package installs it (CI installs it). */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Points Vulkan (and so Dawn, the `webgpu` package) at SwiftShader when no
 * driver was configured, so WebGPU tests run on a software adapter on
 * machines without a GPU. Call before the first adapter request.
 */
export function useSwiftShaderUnlessConfigured(): void {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}
