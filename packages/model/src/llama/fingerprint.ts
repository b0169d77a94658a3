import { concatBytes, sha256Hex } from '@llamita/core';
import type { LlamaConfig } from './config.js';
import type { TensorSource } from './tensor-source.js';

/** Norm vectors read into the fingerprint: small (one row each) and different in every trained model. */
const SAMPLED_TENSORS = ['output_norm.weight', 'blk.0.attn_norm.weight'];

/**
 * A SHA-256 (hex) naming a model's weights: its config, every tensor's name,
 * dtype and shape, and the bytes of its first and last norm vectors. Two files
 * with the same fingerprint hold the same model for every purpose that a
 * saved KV cache depends on, without hashing gigabytes of weights.
 */
export async function modelFingerprint(source: TensorSource, config: LlamaConfig): Promise<string> {
  const directory = [...source.entries.values()].map((e) => `${e.name}:${e.dtype}:${e.shape.join('x')}:${e.byteLength}`).sort();
  const parts: Uint8Array[] = [new TextEncoder().encode(JSON.stringify({ config, directory }))];
  for (const name of SAMPLED_TENSORS) if (source.entries.has(name)) parts.push(await source.read(name));
  return sha256Hex(concatBytes(parts));
}
