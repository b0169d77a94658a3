import { LlamitaError } from '@llamita/core';

/**
 * What a GGUF `general.architecture` changes in the one Llama forward pass
 * (issue 19): the families differ from Llama 2 by a few switches, not by a
 * graph of their own. The metadata keys of each are `<architecture>.*`.
 */
export interface GgufArchitecture {
  /**
   * RoPE pairing of the stored Q/K rows: llama.cpp's converter permutes
   * Llama's for adjacent pairs (LLAMA_ROPE_TYPE_NORM); Qwen and Phi-3 keep
   * the NeoX layout (LLAMA_ROPE_TYPE_NEOX), pairs half a head apart.
   */
  readonly ropeMode: 'adjacent' | 'half';
  /** RMSNorm over each head of q and of k before RoPE, scaled by `attn_q_norm` / `attn_k_norm` (Qwen3). */
  readonly qkNorm: boolean;
  /** Biases on the Q, K and V projections, `attn_q.bias` ... (Qwen2, Qwen2.5). */
  readonly qkvBias: boolean;
  /** Q, K and V stored as one `attn_qkv` tensor and the gate and up projections as one `ffn_up` of 2·ffn rows, gate first (Phi-3). */
  readonly fusedProjections: boolean;
}

/** The architectures llamita runs, by `general.architecture`. SmolLM2 and Llama 3.2 files say `llama`; Qwen2.5's say `qwen2`. */
export const GGUF_ARCHITECTURES: Readonly<Record<string, GgufArchitecture>> = {
  llama: { ropeMode: 'adjacent', qkNorm: false, qkvBias: false, fusedProjections: false },
  qwen2: { ropeMode: 'half', qkNorm: false, qkvBias: true, fusedProjections: false },
  qwen3: { ropeMode: 'half', qkNorm: true, qkvBias: false, fusedProjections: false },
  phi3: { ropeMode: 'half', qkNorm: false, qkvBias: false, fusedProjections: true },
};

/** Architectures of the Llama family that need what the forward pass does not compute yet, and what that is. */
const NOT_YET: Readonly<Record<string, string>> = {
  qwen2moe: 'mixture-of-experts blocks',
  qwen3moe: 'mixture-of-experts blocks',
  llama4: 'mixture-of-experts blocks and chunked attention',
};

/**
 * The switches of `name`.
 * @throws LlamitaError `E_UNSUPPORTED_MODEL` naming the architecture (and what it needs, when it is a known one).
 */
export function ggufArchitecture(name: string, file: string): GgufArchitecture {
  // own properties only: the name comes from an untrusted file ("constructor" is on every object)
  if (Object.hasOwn(GGUF_ARCHITECTURES, name)) return GGUF_ARCHITECTURES[name]!;
  const supported = Object.keys(GGUF_ARCHITECTURES).join(', ');
  const why = Object.hasOwn(NOT_YET, name) ? `: it needs ${NOT_YET[name]}, not supported yet` : '';
  throw new LlamitaError('E_UNSUPPORTED_MODEL', `${file}: architecture "${name}" is not supported${why} (supported: ${supported})`, { architecture: name });
}
