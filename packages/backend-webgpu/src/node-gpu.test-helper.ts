import { useSwiftShaderUnlessConfigured } from '@llamita/testkit';
import { dawnGpu } from './node.js';

/** Dawn's GPU for tests, on SwiftShader (CI's software Vulkan) when no Vulkan driver is configured. */
export async function nodeGpu(): Promise<GPU | undefined> {
  useSwiftShaderUnlessConfigured();
  return dawnGpu();
}
