import { describeConformance } from '@llamita/testkit';
import { createWebGpuBackendFactory } from './backend.js';
import { nodeGpu } from './node-gpu.test-helper.js';

// In Node the adapter comes from Dawn (the `webgpu` package); CI points Vulkan
// at SwiftShader (VK_ICD_FILENAMES), so there is always a software adapter.
describeConformance(createWebGpuBackendFactory({ gpu: await nodeGpu(), allowSoftwareAdapter: true }));
// a software adapter runs attention in one pass by default; the split form is what GPUs run for decode
describeConformance(createWebGpuBackendFactory({ gpu: await nodeGpu(), allowSoftwareAdapter: true, splitAttention: true }), { variant: 'attention split over the cache' });
// the integer decode matmuls on x quantized once by quantize_x.wgsl (with the norm or swiglu folded in), an opt-in path
describeConformance(createWebGpuBackendFactory({ gpu: await nodeGpu(), allowSoftwareAdapter: true, preparedX: true }), { variant: 'x prepared once per decode matmul' });
