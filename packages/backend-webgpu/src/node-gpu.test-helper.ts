import { existsSync } from 'node:fs';
import { dawnGpu } from './node.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Dawn's GPU for tests, pointed at SwiftShader (CI's software Vulkan) when no Vulkan driver is configured. */
export async function nodeGpu(): Promise<GPU | undefined> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  return dawnGpu();
}
