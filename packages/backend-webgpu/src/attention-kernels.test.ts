import { describe, expect, it } from 'vitest';
import { allocateTensor, type Backend } from '@llamita/core';
import { createWebGpuBackendFactory, type WebGpuBackend } from './backend.js';
import { ATTENTION_BLOCKED_BYTES } from './plan.js';
import { nodeGpu } from './node-gpu.test-helper.js';

const gpu = await nodeGpu();
const factory = createWebGpuBackendFactory({ gpu, allowSoftwareAdapter: true });
const probe = await factory.probe();
// the backend asks for the adapter's workgroup memory
const workgroupMemory = probe.ok ? (await gpu!.requestAdapter())!.limits.maxComputeWorkgroupStorageSize : 0;

/** The attention kernels `backend` compiles for batches of `m` query tokens (4 heads of 64 over 2 KV heads, a 100-key cache). */
async function attentionKernels(m: number): Promise<string[]> {
  const backend = (await factory.create()) as Backend & WebGpuBackend;
  const tensor = (shape: number[], dtype: 'f32' | 'i32' = 'f32') => allocateTensor(backend, 'activations', dtype, shape);
  const out = tensor([m, 256]);
  backend.run([{ op: 'attention', q: tensor([m, 4, 64]), k: tensor([100, 2, 64]), v: tensor([100, 2, 64]), positions: tensor([m], 'i32'), scale: 0.125, out }]);
  await backend.read(out);
  return backend.compiledKernels.map((key) => key.split('|')[0]!);
}

// what each kernel computes is checked against the reference by the conformance suite (attention m=70, m=40 over f16); here, which one a batch takes
describe.skipIf(!probe.ok)('WebGPU attention kernels', () => {
  it('runs a prefill batch (32 queries or more) through the blocked kernel where workgroup memory holds it, fewer queries one workgroup each', async () => {
    const fits = ATTENTION_BLOCKED_BYTES <= workgroupMemory;
    expect(await attentionKernels(40)).toEqual([fits ? 'attention_blocked:f32' : 'attention:f32']);
    expect(await attentionKernels(31)).toEqual(['attention:f32']);
  });
});
