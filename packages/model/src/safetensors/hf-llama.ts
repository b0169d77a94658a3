import { LlamitaError } from '@llamita/core';
import { checkConfig, type LlamaConfig } from '../llama/config.js';
import type { TensorEntry, TensorSource } from '../llama/tensor-source.js';
import type { SafetensorsFile } from './reader.js';

/**
 * A Hugging Face `config.json` mapped to the Llama config. Hugging Face
 * checkpoints keep Q/K rows in the order their RoPE expects (pairs `i`,
 * `i + headDim/2`), so the config says `ropeMode: 'half'` and the weights are
 * used as they are; llama.cpp's converter permutes those rows for `adjacent`
 * pairs instead (see {@link permuteQkRows}). `model_type` `qwen2` (Qwen2,
 * Qwen2.5) adds the q, k, v biases, `qwen3` the per-head q/k norms
 * (docs/adr/0021-llama-family-architectures-as-switches.md).
 * @throws LlamitaError `E_UNSUPPORTED_MODEL` for another architecture; `E_BAD_FILE` for missing fields.
 */
export function llamaConfigFromHf(json: string): LlamaConfig {
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(json) as Record<string, unknown>;
  } catch (e) {
    throw new LlamitaError('E_BAD_FILE', `config.json is not valid JSON (${(e as Error).message})`);
  }
  const type = c.model_type;
  if (type !== 'llama' && type !== 'qwen2' && type !== 'qwen3') {
    throw new LlamitaError('E_UNSUPPORTED_MODEL', `config.json: model_type "${String(type)}" is not supported (llama, qwen2, qwen3)`);
  }
  const num = (key: string, fallback?: number): number => {
    const v = c[key] ?? fallback;
    if (typeof v !== 'number') throw new LlamitaError('E_BAD_FILE', `config.json: ${key} is missing or not a number`, { key });
    return v;
  };
  if (c.rope_scaling != null) throw new LlamitaError('E_UNSUPPORTED_MODEL', 'config.json: rope_scaling is not supported yet');
  // the bias tensors would otherwise be left unread and the model run without them (Qwen2's q, k, v biases are read)
  for (const key of ['attention_bias', 'mlp_bias']) {
    if (c[key] === true && type !== 'qwen2') throw new LlamitaError('E_UNSUPPORTED_MODEL', `config.json: ${key} is not supported yet`, { key });
  }
  const dim = num('hidden_size');
  const nHeads = num('num_attention_heads');
  return checkConfig(
    {
      dim,
      ffnDim: num('intermediate_size'),
      nLayers: num('num_hidden_layers'),
      nHeads,
      nKvHeads: num('num_key_value_heads', nHeads),
      headDim: num('head_dim', dim / nHeads),
      vocabSize: num('vocab_size'),
      contextLength: num('max_position_embeddings', 2048),
      ropeTheta: num('rope_theta', 10000),
      normEps: num('rms_norm_eps', 1e-6),
      ropeMode: 'half',
      qkNorm: type === 'qwen3',
      qkvBias: type === 'qwen2',
    },
    'config.json',
  );
}

/** Hugging Face Llama, Qwen2 and Qwen3 tensor names to llama.cpp's (its LLM_ARCH_LLAMA, QWEN2 and QWEN3 tables). */
export function ggufNameOf(hfName: string): string | undefined {
  const fixed: Record<string, string> = {
    'model.embed_tokens.weight': 'token_embd.weight',
    'model.norm.weight': 'output_norm.weight',
    'lm_head.weight': 'output.weight',
  };
  if (Object.hasOwn(fixed, hfName)) return fixed[hfName];
  const m = /^model\.layers\.(\d+)\.(.+)$/.exec(hfName);
  if (!m) return undefined;
  const parts: Record<string, string> = {
    'input_layernorm.weight': 'attn_norm.weight',
    'self_attn.q_proj.weight': 'attn_q.weight',
    'self_attn.k_proj.weight': 'attn_k.weight',
    'self_attn.v_proj.weight': 'attn_v.weight',
    'self_attn.o_proj.weight': 'attn_output.weight',
    'self_attn.q_proj.bias': 'attn_q.bias',
    'self_attn.k_proj.bias': 'attn_k.bias',
    'self_attn.v_proj.bias': 'attn_v.bias',
    'self_attn.q_norm.weight': 'attn_q_norm.weight',
    'self_attn.k_norm.weight': 'attn_k_norm.weight',
    'post_attention_layernorm.weight': 'ffn_norm.weight',
    'mlp.gate_proj.weight': 'ffn_gate.weight',
    'mlp.up_proj.weight': 'ffn_up.weight',
    'mlp.down_proj.weight': 'ffn_down.weight',
  };
  const part = Object.hasOwn(parts, m[2]!) ? parts[m[2]!] : undefined;
  return part ? `blk.${m[1]}.${part}` : undefined;
}

/**
 * Hugging Face safetensors (one file, or the shards of
 * `model.safetensors.index.json`) as a {@link TensorSource} with llama.cpp's
 * names. Tensors not in the Llama table (rotary caches) are ignored.
 */
export function hfTensorSource(files: readonly SafetensorsFile[]): TensorSource {
  const entries = new Map<string, TensorEntry>();
  const where = new Map<string, { file: SafetensorsFile; offset: number; byteLength: number }>();
  for (const file of files) {
    for (const t of file.tensors.values()) {
      const name = ggufNameOf(t.name);
      if (!name) continue;
      if (entries.has(name)) throw new LlamitaError('E_BAD_FILE', `${file.source.name}: tensor ${t.name} appears twice across the shards`);
      entries.set(name, { name, dtype: t.dtype, shape: t.shape, byteLength: t.byteLength });
      where.set(name, { file, offset: t.offset, byteLength: t.byteLength });
    }
  }
  return {
    name: files.map((f) => f.source.name).join(', '),
    entries,
    read: (name) => {
      const w = where.get(name)!;
      return w.file.source.read(w.offset, w.byteLength);
    },
  };
}

/** The shard file names of a `model.safetensors.index.json`, in first-use order. */
export function shardsOfIndex(json: string): string[] {
  let index: { weight_map?: Record<string, string> };
  try {
    index = JSON.parse(json) as typeof index;
  } catch (e) {
    throw new LlamitaError('E_BAD_FILE', `model.safetensors.index.json is not valid JSON (${(e as Error).message})`);
  }
  if (!index.weight_map || typeof index.weight_map !== 'object') throw new LlamitaError('E_BAD_FILE', 'model.safetensors.index.json has no weight_map');
  const shards = [...new Set(Object.values(index.weight_map))];
  for (const s of shards) if (s.includes('/') || s.includes('\\') || s.startsWith('.')) throw new LlamitaError('E_BAD_FILE', `model.safetensors.index.json names an unsafe shard path "${s}"`);
  return shards;
}

/**
 * Reorders the rows of a Q or K weight `[nHeads * headDim, cols]` between the
 * two RoPE layouts: `'to-adjacent'` is llama.cpp's converter permutation
 * (Hugging Face → GGUF), `'to-half'` its inverse. Elements are `bytesPerRow` wide rows.
 */
export function permuteQkRows(data: Uint8Array, nHeads: number, bytesPerRow: number, direction: 'to-adjacent' | 'to-half'): Uint8Array {
  const rows = data.byteLength / bytesPerRow;
  const headDim = rows / nHeads;
  const half = headDim / 2;
  const out = new Uint8Array(data.byteLength);
  for (let h = 0; h < nHeads; h++) {
    for (let i = 0; i < half; i++) {
      for (let pair = 0; pair < 2; pair++) {
        const halfRow = h * headDim + pair * half + i; // row in the Hugging Face layout
        const adjacentRow = h * headDim + 2 * i + pair; // row in llama.cpp's layout
        const [from, to] = direction === 'to-adjacent' ? [halfRow, adjacentRow] : [adjacentRow, halfRow];
        out.set(data.subarray(from * bytesPerRow, (from + 1) * bytesPerRow), to * bytesPerRow);
      }
    }
  }
  return out;
}
