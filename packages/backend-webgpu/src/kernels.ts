import type { DType } from '@llamita/core';
import type { TiledShape } from './plan.js';
import actBf16 from './shaders/act/bf16.wgsl';
import actF16 from './shaders/act/f16.wgsl';
import actF32 from './shaders/act/f32.wgsl';
import actNoSums from './shaders/act/no-sums.wgsl';
import actQ8_0 from './shaders/act/q8_0.wgsl';
import actQ8_1Sums from './shaders/act/q8_1-sums.wgsl';
import actQ8K from './shaders/act/q8_k.wgsl';
import actUnblocked from './shaders/act/unblocked.wgsl';
import add from './shaders/add.wgsl';
import attentionCombine from './shaders/attention_combine.wgsl';
import attentionSplit from './shaders/attention_split.wgsl';
import attention from './shaders/attention.wgsl';
import attentionBlocked from './shaders/attention_blocked.wgsl';
import attentionIo from './shaders/lib/attention-io.wgsl';
import attentionNewCached from './shaders/attention-new/cached.wgsl';
import attentionNewRope from './shaders/attention-new/rope.wgsl';
import attentionStoreCache from './shaders/attention-store/cache.wgsl';
import attentionStoreNone from './shaders/attention-store/none.wgsl';
import copyF16 from './shaders/copy_f16.wgsl';
import copyF32 from './shaders/copy_f32.wgsl';
import embedding from './shaders/embedding.wgsl';
import epiloguePlain from './shaders/epilogue/plain.wgsl';
import epilogueResidual from './shaders/epilogue/residual.wgsl';
import kvF16 from './shaders/kv/f16.wgsl';
import kvF32 from './shaders/kv/f32.wgsl';
import bytes from './shaders/lib/bytes.wgsl';
import half from './shaders/lib/half.wgsl';
import kquantScales from './shaders/lib/kquant-scales.wgsl';
import matmulIo from './shaders/lib/matmul-io.wgsl';
import matmulThreads from './shaders/lib/matmul-threads.wgsl';
import stage from './shaders/lib/stage.wgsl';
import intPack from './shaders/lib/int-pack.wgsl';
import matmulPrepared from './shaders/matmul_prepared.wgsl';
import quantizeX from './shaders/quantize_x.wgsl';
import onePart from './shaders/lib/one-part.wgsl';
import parts from './shaders/lib/parts.wgsl';
import wWord from './shaders/lib/w-word.wgsl';
import matmul from './shaders/matmul.wgsl';
import matmulTiled from './shaders/matmul_tiled.wgsl';
import matmulTiledInt from './shaders/matmul_tiled_int.wgsl';
import intBlock from './shaders/lib/int-block.wgsl';
import tile from './shaders/lib/tile.wgsl';
import reduceShared from './shaders/lib/reduce-shared.wgsl';
import reduceSubgroup from './shaders/lib/reduce-subgroup.wgsl';
import prologueNone from './shaders/prologue/none.wgsl';
import prologueNorm from './shaders/prologue/rms-norm.wgsl';
import prologueSwiglu from './shaders/prologue/swiglu.wgsl';
import swigluLib from './shaders/lib/swiglu.wgsl';
import xPlain from './shaders/lib/x-plain.wgsl';
import rmsNorm from './shaders/rms_norm.wgsl';
import ropeAngle from './shaders/lib/rope-angle.wgsl';
import ropePair from './shaders/lib/rope-pair.wgsl';
import kvStoreF16 from './shaders/kv-store/f16.wgsl';
import kvStoreF32 from './shaders/kv-store/f32.wgsl';
import ropeCache from './shaders/rope_cache.wgsl';
import rope from './shaders/rope.wgsl';
import select from './shaders/select.wgsl';
import swiglu from './shaders/swiglu.wgsl';
import bf16 from './shaders/weights/bf16.wgsl';
import f16 from './shaders/weights/f16.wgsl';
import f32 from './shaders/weights/f32.wgsl';
import q2_k from './shaders/weights/q2_k.wgsl';
import q3_k from './shaders/weights/q3_k.wgsl';
import q4_0 from './shaders/weights/q4_0.wgsl';
import q4_1 from './shaders/weights/q4_1.wgsl';
import q4_k from './shaders/weights/q4_k.wgsl';
import q5_0 from './shaders/weights/q5_0.wgsl';
import q5_1 from './shaders/weights/q5_1.wgsl';
import q5_k from './shaders/weights/q5_k.wgsl';
import q6_k from './shaders/weights/q6_k.wgsl';
import noMin from './shaders/weights/no-min.wgsl';
import q8_0 from './shaders/weights/q8_0.wgsl';
import f16Pairs from './shaders/weights/f16-pairs.wgsl';
import bf16Pairs from './shaders/weights/bf16-pairs.wgsl';
import intDot from './shaders/lib/int-dot.wgsl';
import noIntDot from './shaders/lib/no-int-dot.wgsl';
import q4_0Int from './shaders/weights-int/q4_0.wgsl';
import q5_0Int from './shaders/weights-int/q5_0.wgsl';
import q8_0Int from './shaders/weights-int/q8_0.wgsl';

/** A weight dtype the WGSL decoders read (every weight dtype of the contract). */
export type WgslWeightType = Exclude<DType, 'i32'>;

/** The decoder of each weight type (weights/<type>.wgsl), with the helpers it needs. */
const WEIGHT_DECODERS: Readonly<Record<WgslWeightType, readonly string[]>> = {
  f32: [f32, noMin],
  f16: [f16, noMin],
  bf16: [bf16, noMin],
  q4_0: [q4_0, noMin],
  q4_1: [q4_1],
  q5_0: [q5_0, noMin],
  q5_1: [q5_1],
  q8_0: [q8_0, noMin],
  q2_k: [q2_k, noMin],
  q3_k: [q3_k, noMin],
  q4_k: [kquantScales, q4_k, noMin],
  q5_k: [kquantScales, q5_k, noMin],
  q6_k: [q6_k, noMin],
};

/** Weight types matmul.wgsl can dot in integers (weights-int/<type>.wgsl) against Q8_0 activations. */
const INT_DECODERS: Readonly<Partial<Record<WgslWeightType, string>>> = { q4_0: q4_0Int, q5_0: q5_0Int, q8_0: q8_0Int };

/** Whether matmul.wgsl has an integer dot for a weight type (given WGSL's `packed_4x8_integer_dot_product`). */
export const hasIntDot = (weights: WgslWeightType): boolean => INT_DECODERS[weights] !== undefined;

/** The decoders that read two 16-bit weights a word (rows 4-byte aligned, K even). */
const PAIR_DECODERS: Readonly<Partial<Record<WgslWeightType, string>>> = { f16: f16Pairs, bf16: bf16Pairs };

/** Whether a weight type has a two-a-word decoder for matmul.wgsl. */
export const hasPairDecoder = (weights: WgslWeightType): boolean => PAIR_DECODERS[weights] !== undefined;

/**
 * How matmul converts the activation row for each weight type: llama.cpp's
 * `vec_dot_type`. Q8_1 is Q8_0's quants and scale plus block sums.
 */
const ACTIVATIONS: Readonly<Record<WgslWeightType, readonly string[]>> = {
  f32: [actF32, actUnblocked, actNoSums],
  f16: [actF16, actUnblocked, actNoSums],
  bf16: [actBf16, actUnblocked, actNoSums],
  q4_0: [actQ8_0, actNoSums],
  q5_0: [actQ8_0, actNoSums],
  q8_0: [actQ8_0, actNoSums],
  q4_1: [actQ8_0, actQ8_1Sums],
  q5_1: [actQ8_0, actQ8_1Sums],
  q2_k: [actQ8K, actNoSums],
  q3_k: [actQ8K, actNoSums],
  q4_k: [actQ8K, actNoSums],
  q5_k: [actQ8K, actNoSums],
  q6_k: [actQ8K, actNoSums],
};

/** Weight types whose activations carry block sums (Q8_1): the tiled matmul does not take them. */
export const SUMMED_ACTIVATIONS: ReadonlySet<WgslWeightType> = new Set(['q4_1', 'q5_1']);

/** A compute kernel and, for the kernels that have them, its variant (weight type, cache type). */
export type KernelId =
  | {
      /** A kernel that reads a weight tensor: `matmul_tiled` is the matmul for batches (prefill). */
      readonly kernel: 'matmul' | 'matmul_tiled' | 'embedding';
      /** The weight dtype its decoder reads. */
      readonly weights: WgslWeightType;
      /** Matmul only: it normalizes x (RMSNorm) as it stages it (prologue/rms-norm.wgsl). */
      readonly norm?: boolean;
      /** Matmul only: it makes x = silu(gate) * up as it stages it (prologue/swiglu.wgsl). */
      readonly swiglu?: boolean;
      /** Matmul only: it adds a residual to its output (epilogue/residual.wgsl). */
      readonly residual?: boolean;
      /** Matmul only: weights (2 or 3) that read the same x, in one dispatch (lib/parts.wgsl); default 1. */
      readonly parts?: number;
      /** Matmul and tiled matmul: each block's dot in i32 (lib/int-dot.wgsl, matmul_tiled_int.wgsl), for Q4_0, Q5_0 and Q8_0 weights. */
      readonly intDot?: boolean;
      /** Matmul only: each output's threads summed by subgroup shuffles (lib/reduce-subgroup.wgsl), not in workgroup memory. */
      readonly subgroups?: boolean;
      /** Matmul only: F16 or BF16 weights read two a word (weights/<type>-pairs.wgsl). */
      readonly pairs?: boolean;
      /** Matmul only, with `intDot`: x read as quantize_x.wgsl prepared it (matmul_prepared.wgsl), not staged by each workgroup. */
      readonly prepared?: boolean;
      /** Tiled matmul only: its tile (the default, 32 x 64 with 2 x 4 a thread, fits any device). */
      readonly tile?: TiledShape;
    }
  | {
      /** Attention over the KV cache (in one pass, or the per-chunk half of the split form and its merge), or the rope and cache writes before it. */
      readonly kernel: 'attention' | 'attention_blocked' | 'attention_split' | 'attention_combine' | 'rope_cache';
      /** The cache's storage: f32, or f16 halves packed in u32 words. */
      readonly cache: 'f32' | 'f16';
      /** Split attention and its merge only: the decode token's rope folded into the split (attention-new/rope.wgsl), its cache write into the merge (attention-store/cache.wgsl). */
      readonly rope?: boolean;
    }
  | {
      /** x rows quantized to Q8_0 once for the prepared matmuls (quantize_x.wgsl). */
      readonly kernel: 'quantize_x';
      /** What makes x first: nothing, a fused RMSNorm, or silu(gate) * up (prologue/<none|rms-norm|swiglu>.wgsl). */
      readonly prologue: 'none' | 'norm' | 'swiglu';
    }
  | {
      /** A kernel with one variant. */
      readonly kernel: 'rms_norm' | 'rope' | 'swiglu' | 'add' | 'copy_f32' | 'copy_f16' | 'select';
    };

/** The name a kernel goes by in labels and cache keys: `matmul:q4_k`, `attention:f16`, `add`. */
export function kernelLabel(id: KernelId): string {
  if ('weights' in id)
    return `${id.kernel}:${id.weights}${id.norm ? '+norm' : ''}${id.swiglu ? '+swiglu' : ''}${id.residual ? '+residual' : ''}${(id.parts ?? 1) > 1 ? `x${id.parts}` : ''}${id.intDot ? '+int' : ''}${id.pairs ? '+pairs' : ''}${id.prepared ? '+prepared' : ''}${id.subgroups ? '+sg' : ''}${id.tile ? `@${id.tile.mt}x${id.tile.nt}/${id.tile.rm}x${id.tile.rn}` : ''}`;
  if ('cache' in id) return `${id.kernel}:${id.cache}${id.rope ? '+rope' : ''}`;
  if ('prologue' in id) return `${id.kernel}:${id.prologue}`;
  return id.kernel;
}

/**
 * The WGSL module of a kernel: its template after the snippets it is composed
 * with (each file's header names what it needs; WGSL resolves declarations in
 * any order, so the order here is only for reading).
 */
export function kernelSource(id: KernelId): string {
  switch (id.kernel) {
    case 'matmul': {
      const grouped = (id.parts ?? 1) > 1;
      const io = grouped ? [parts, partsBindings(id.parts!)] : [onePart, wWord, id.residual ? epilogueResidual : epiloguePlain];
      // an enable directive must come before every declaration
      const enable = id.subgroups ? ['enable subgroups;'] : [];
      const reduce = id.subgroups ? reduceSubgroup : reduceShared;
      const integer = id.intDot ? INT_DECODERS[id.weights] : undefined;
      if (id.prepared && integer) return [...enable, bytes, half, intBlock, integer, ...io, matmulIo, matmulThreads, matmulPrepared, reduce].join('\n');
      const prologue = id.swiglu ? [swigluLib, prologueSwiglu] : [xPlain, id.norm ? prologueNorm : prologueNone];
      const pairDecoder = id.pairs ? PAIR_DECODERS[id.weights] : undefined;
      const decoders = pairDecoder ? [pairDecoder, noMin] : WEIGHT_DECODERS[id.weights];
      const dot = integer ? [intBlock, intPack, intDot, integer] : [noIntDot];
      return [...enable, bytes, half, ...decoders, ...ACTIVATIONS[id.weights], ...dot, ...prologue, ...io, matmulIo, matmulThreads, stage, matmul, reduce].join('\n');
    }
    case 'quantize_x': {
      const prologue = { none: [xPlain, prologueNone], norm: [xPlain, prologueNorm], swiglu: [swigluLib, prologueSwiglu] }[id.prologue];
      return [half, actQ8_0, actNoSums, intPack, ...prologue, matmulIo, matmulThreads, stage, quantizeX, reduceShared].join('\n');
    }
    case 'matmul_tiled': {
      const integer = id.intDot ? INT_DECODERS[id.weights] : undefined;
      const kernel = integer ? [intBlock, integer, matmulTiledInt] : [...WEIGHT_DECODERS[id.weights], matmulTiled];
      const epilogue = id.residual ? epilogueResidual : epiloguePlain;
      return [tileConstants(id.tile ?? DEFAULT_TILE), bytes, half, wWord, ...ACTIVATIONS[id.weights], epilogue, matmulIo, tile, ...kernel].join('\n');
    }
    case 'embedding':
      return [bytes, half, wWord, ...WEIGHT_DECODERS[id.weights], embedding].join('\n');
    case 'rope_cache':
      return [cacheBindings(id.cache, 'read_write', 6), ropeAngle, ropePair, half, id.cache === 'f16' ? kvStoreF16 : kvStoreF32, ropeCache].join('\n');
    case 'attention':
    case 'attention_blocked':
    case 'attention_split': {
      const kv = id.cache === 'f16' ? [half, kvF16] : [kvF32];
      const kernel = {
        attention: [attentionIo, attention],
        attention_blocked: [attentionIo, attentionBlocked],
        attention_split: [id.rope ? [ropeAngle, ropePair, attentionNewRope] : [attentionNewCached], attentionSplit].flat(),
      }[id.kernel];
      return [cacheBindings(id.cache, 'read', 1), ...kv, ...kernel].join('\n');
    }
    case 'attention_combine': {
      if (!id.rope) return [attentionStoreNone, attentionCombine].join('\n');
      const store = id.cache === 'f16' ? [half, kvStoreF16] : [kvStoreF32];
      return [cacheBindings(id.cache, 'read_write', 6), ...store, attentionStoreCache, attentionCombine].join('\n');
    }
    case 'copy_f16':
      return [half, copyF16].join('\n');
    case 'copy_f32':
      return copyF32;
    case 'rms_norm':
      return rmsNorm;
    case 'rope':
      return [ropeAngle, rope].join('\n');
    case 'swiglu':
      return [swigluLib, swiglu].join('\n');
    case 'add':
      return add;
    case 'select':
      return select;
  }
}

/**
 * The declarations lib/parts.wgsl needs for `count` parts: the weight and
 * output bindings of parts 1.. (8 and 9, 10 and 11), PARTS, and `w_word` and
 * `store` choosing among them by the workgroup's part. Written out per count
 * because WGSL has no arrays of bindings, and an unused part cannot be bound
 * to another's output (writable bindings must not alias).
 */
function partsBindings(count: number): string {
  const others = Array.from({ length: count - 1 }, (_, i) => i + 1);
  const declarations = others.map((p) => `@group(0) @binding(${6 + 2 * p}) var<storage, read> W${p}: array<u32>;\n@group(0) @binding(${7 + 2 * p}) var<storage, read_write> OUT${p}: array<f32>;`);
  const words = others.map((p) => `    case ${p}u: {\n      return W${p}[i];\n    }`);
  const stores = others.map((p) => `    case ${p}u: {\n      OUT${p}[params.part_out[${p}] + i] = v;\n    }`);
  return `const PARTS: u32 = ${count}u;
${declarations.join('\n')}

fn w_word(i: u32) -> u32 {
  switch part {
${words.join('\n')}
    default: {
      return W[i];
    }
  }
}

fn store(m: u32, n: u32, v: f32) {
  let i = m * part_rows() + n;
  switch part {
${stores.join('\n')}
    default: {
      OUT[params.part_out[0] + i] = v;
    }
  }
}
`;
}

/**
 * The KV cache bindings KC and VC (`first`, `first + 1`) that kv/<type>.wgsl
 * reads and kv-store/<type>.wgsl writes: u32 words of packed halves for an
 * f16 cache. Declared here because a kernel that writes the cache must bind
 * it read_write, and WGSL has no access mode parameter.
 */
function cacheBindings(cache: 'f32' | 'f16', access: 'read' | 'read_write', first: number): string {
  const word = cache === 'f16' ? 'u32' : 'f32';
  return ['KC', 'VC'].map((name, i) => `@group(0) @binding(${first + i}) var<storage, ${access}> ${name}: array<${word}>;`).join('\n');
}

/** matmul_tiled.wgsl's tile when none is given: the one every device's 16 KiB of workgroup memory holds. */
const DEFAULT_TILE: TiledShape = { mt: 32, nt: 64, rm: 2, rn: 4 };

/** matmul_tiled.wgsl's tile constants (WGSL sizes a function's arrays by constants only, not overrides). */
function tileConstants(tile: TiledShape): string {
  return `const MT: u32 = ${tile.mt}u;\nconst NT: u32 = ${tile.nt}u;\nconst RM: u32 = ${tile.rm}u;\nconst RN: u32 = ${tile.rn}u;\n`;
}
