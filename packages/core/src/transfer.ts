import type { Backend, BufferUsage } from './backend.js';
import { allocateTensor, type Tensor } from './tensor.js';

/**
 * Copies a tensor from one backend to a new buffer on another, so a model can
 * move between backends at runtime (read is the only await).
 * @returns the tensor on `to`, in a buffer of its own.
 */
export async function transferTensor(tensor: Tensor, from: Backend, to: Backend, usage: BufferUsage, label?: string): Promise<Tensor> {
  const bytes = await from.read(tensor);
  const copy = allocateTensor(to, usage, tensor.dtype, tensor.shape, label);
  to.write(copy.buffer, 0, bytes);
  return copy;
}
