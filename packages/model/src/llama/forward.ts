import { reshape, sliceRows, type Op, type SampleOp, type Tensor } from '@llamita/core';
import type { LlamaConfig } from './config.js';
import type { LayerCache } from './kv-cache.js';
import type { LlamaWeights } from './weights.js';

/** The settings of the sample op (see `SampleOp` in @llamita/core): top-k, top-p, min-p, temperature. */
export type SampleSettings = Pick<SampleOp, 'topK' | 'topP' | 'minP' | 'temperature'>;

/** The per-step activations of a batch of `m` tokens (all f32 unless noted). */
export interface Activations {
  /** i32 [m] */
  readonly ids: Tensor;
  /** i32 [m] */
  readonly positions: Tensor;
  /** [m, dim] residual stream (between layers, and after each block's feed-forward) */
  readonly x: Tensor;
  /** [m, dim] residual stream after a block's attention (no op writes its own input) */
  readonly xMid: Tensor;
  /** [m, dim] normed input of a sub-block */
  readonly h: Tensor;
  /** [m, nHeads*hd] */
  readonly q: Tensor;
  /** [m, nKv*hd] */
  readonly k: Tensor;
  /** [m, nKv*hd] */
  readonly v: Tensor;
  /** [m, nHeads*hd] h·Wq before its bias is added into q (config.qkvBias only) */
  readonly qRaw?: Tensor;
  /** [m, nKv*hd] h·Wk before its bias (config.qkvBias only) */
  readonly kRaw?: Tensor;
  /** [m, nKv*hd] h·Wv before its bias (config.qkvBias only) */
  readonly vRaw?: Tensor;
  /** [m, nHeads*hd] q after its per-head norm (config.qkNorm only) */
  readonly qNormed?: Tensor;
  /** [m, nKv*hd] k after its per-head norm (config.qkNorm only) */
  readonly kNormed?: Tensor;
  /** [m, nHeads*hd] */
  readonly qRot: Tensor;
  /** [m, nKv*hd] */
  readonly kRot: Tensor;
  /** [m, nHeads*hd] */
  readonly att: Tensor;
  /** [m, dim] output of wo / w_down */
  readonly proj: Tensor;
  /** [m, ffnDim] */
  readonly gate: Tensor;
  /** [m, ffnDim] */
  readonly up: Tensor;
  /** [m, ffnDim] silu(gate) * up */
  readonly act: Tensor;
  /** [l, vocab], l = m or 1 */
  readonly logits: Tensor;
  /** i32 [l] argmax of each logits row */
  readonly next: Tensor;
  /** i32 [l] one 32-bit draw per logits row, for the sample op */
  readonly random: Tensor;
  /** i32 [l] the id the sample op drew from each logits row */
  readonly sampled: Tensor;
}

/**
 * The Llama forward pass as one graph, for every dtype and backend: the
 * tokens in `a.ids` at `a.positions` go through every block, their K and V
 * enter the cache, and logits come out for the last token (`allLogits`
 * false) or every token. Reads top to bottom like llama2.c's `forward`.
 */
export function llamaForward(c: LlamaConfig, w: LlamaWeights, cache: readonly LayerCache[], a: Activations, allLogits: boolean, sampling?: SampleSettings): Op[] {
  const m = a.ids.shape[0]!;
  const hd = c.headDim;
  const g: Op[] = [];

  // x = token embeddings
  g.push({ op: 'embedding', table: w.tokenEmbedding, ids: a.ids, out: a.x });

  w.layers.forEach((layer, l) => {
    const { k: kCache, v: vCache } = cache[l]!;
    // attention: h = rmsnorm(x); q, k, v = h·Wq, h·Wk, h·Wv
    g.push({ op: 'rms_norm', x: a.x, weight: layer.attnNorm, eps: c.normEps, out: a.h });
    // Qwen2: the projections land in *Raw and their biases are added into q, k, v (after all three, which a GPU runs as one matmul)
    const biased = layer.bq && layer.bk && layer.bv && a.qRaw && a.kRaw && a.vRaw ? { q: a.qRaw, k: a.kRaw, v: a.vRaw } : undefined;
    g.push({ op: 'matmul', x: a.h, w: layer.wq, out: biased?.q ?? a.q });
    g.push({ op: 'matmul', x: a.h, w: layer.wk, out: biased?.k ?? a.k });
    g.push({ op: 'matmul', x: a.h, w: layer.wv, out: biased?.v ?? a.v });
    if (biased) {
      g.push({ op: 'add', a: biased.q, b: layer.bq!, out: a.q });
      g.push({ op: 'add', a: biased.k, b: layer.bk!, out: a.k });
      g.push({ op: 'add', a: biased.v, b: layer.bv!, out: a.v });
    }
    // Qwen3: q and k normed per head (each head a row of hd)
    const [q, k] = layer.qNorm && layer.kNorm && a.qNormed && a.kNormed ? [a.qNormed, a.kNormed] : [a.q, a.k];
    if (q !== a.q) {
      g.push({ op: 'rms_norm', x: reshape(a.q, [m * c.nHeads, hd]), weight: layer.qNorm!, eps: c.normEps, out: reshape(q, [m * c.nHeads, hd]) });
      g.push({ op: 'rms_norm', x: reshape(a.k, [m * c.nKvHeads, hd]), weight: layer.kNorm!, eps: c.normEps, out: reshape(k, [m * c.nKvHeads, hd]) });
    }
    // rotary position embedding on q and k (with Llama 3's frequency factors where the model has them)
    const rope = { positions: a.positions, theta: c.ropeTheta, mode: c.ropeMode, ...(w.ropeFreqs && { freqFactors: w.ropeFreqs }) };
    g.push({ op: 'rope', x: reshape(q, [m, c.nHeads, hd]), ...rope, out: reshape(a.qRot, [m, c.nHeads, hd]) });
    g.push({ op: 'rope', x: reshape(k, [m, c.nKvHeads, hd]), ...rope, out: reshape(a.kRot, [m, c.nKvHeads, hd]) });
    // k and v enter the cache at their positions
    g.push({ op: 'copy', src: a.kRot, dst: reshape(kCache, [kCache.shape[0]!, c.nKvHeads * hd]), rows: a.positions });
    g.push({ op: 'copy', src: a.v, dst: reshape(vCache, [vCache.shape[0]!, c.nKvHeads * hd]), rows: a.positions });
    // causal grouped-query attention over the cache, then the output projection
    g.push({ op: 'attention', q: reshape(a.qRot, [m, c.nHeads, hd]), k: kCache, v: vCache, positions: a.positions, scale: 1 / Math.sqrt(hd), out: a.att });
    g.push({ op: 'matmul', x: a.att, w: layer.wo, out: a.proj });
    // residual: xMid = x + attention
    g.push({ op: 'add', a: a.x, b: a.proj, out: a.xMid });
    // feed-forward: x = xMid + W_down · (silu(h·W_gate) * (h·W_up)), h = rmsnorm(xMid)
    g.push({ op: 'rms_norm', x: a.xMid, weight: layer.ffnNorm, eps: c.normEps, out: a.h });
    g.push({ op: 'matmul', x: a.h, w: layer.wGate, out: a.gate });
    g.push({ op: 'matmul', x: a.h, w: layer.wUp, out: a.up });
    g.push({ op: 'swiglu', gate: a.gate, up: a.up, out: a.act });
    g.push({ op: 'matmul', x: a.act, w: layer.wDown, out: a.proj });
    g.push({ op: 'add', a: a.xMid, b: a.proj, out: a.x });
  });

  // final norm, then the classifier on the rows we need
  g.push({ op: 'rms_norm', x: a.x, weight: w.outputNorm, eps: c.normEps, out: a.h });
  const rows = allLogits ? a.h : sliceRows(a.h, m - 1, 1);
  g.push({ op: 'matmul', x: rows, w: w.output, out: a.logits });
  g.push({ op: 'argmax', x: a.logits, out: a.next });
  // and, when asked, a token drawn on the backend (only its id is read back)
  if (sampling) g.push({ op: 'sample', logits: a.logits, random: a.random, ...sampling, out: a.sampled });
  return g;
}
