import type { Backend } from './backend.js';
import { tensorBytes, tensorOn, type Tensor } from './tensor.js';

/**
 * Copies a tensor from one backend to a new buffer on another, so a model can
 * move between backends at runtime (read is the only await).
 * @returns the tensor on `to`, in a buffer of its own.
 */
export async function transferTensor(tensor: Tensor, from: Backend, to: Backend, label?: string): Promise<Tensor> {
  const bytes = await from.read(tensor);
  const buffer = to.allocate(tensorBytes(tensor), label);
  to.write(buffer, 0, bytes);
  return tensorOn(buffer, tensor.dtype, tensor.shape, 0);
}
