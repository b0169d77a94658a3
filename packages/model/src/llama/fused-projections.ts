import { LlamitaError } from '@llamita/core';
import type { LlamaConfig } from './config.js';
import type { TensorEntry, TensorSource } from './tensor-source.js';

/** A tensor seen as a range of rows of a fused one. */
interface RowRange {
  readonly fused: TensorEntry;
  readonly firstRow: number;
  readonly rows: number;
}

/**
 * `source` with Phi-3's fused projections seen as the separate tensors the
 * forward pass reads: `blk.N.attn_qkv.weight` `[q + 2·kv, dim]` as
 * `attn_q`, `attn_k`, `attn_v` (its rows in that order, as llama.cpp's
 * build_qkv views them), and `blk.N.ffn_up.weight` `[2·ffn, dim]` as
 * `ffn_gate` (the first ffn rows: ggml_swiglu takes silu of the first half)
 * and `ffn_up`. Rows of a weight are contiguous in every GGUF type, so each
 * piece is a byte range of the fused tensor; the pieces are uploaded as
 * tensors of their own and the kernels see no difference. A file that keeps
 * them apart passes through unchanged.
 * @throws LlamitaError `E_UNSUPPORTED_MODEL` when a fused tensor's rows are not the sum of its pieces'.
 */
export function splitFusedProjections(source: TensorSource, c: LlamaConfig): TensorSource {
  const q = c.nHeads * c.headDim;
  const kv = c.nKvHeads * c.headDim;
  const entries = new Map(source.entries);
  const pieces = new Map<string, RowRange>();
  const split = (fusedName: string, parts: readonly (readonly [string, number])[]) => {
    const fused = source.entries.get(fusedName);
    if (!fused || parts.some(([name]) => name !== fusedName && source.entries.has(name))) return;
    const rows = parts.reduce((sum, [, n]) => sum + n, 0);
    if (fused.shape.length !== 2 || fused.shape[0] !== rows) {
      throw new LlamitaError('E_UNSUPPORTED_MODEL', `${source.name}: tensor ${fusedName} has shape [${fused.shape.join(', ')}], expected [${rows}, ${c.dim}]`, { tensor: fusedName });
    }
    const rowBytes = fused.byteLength / rows;
    entries.delete(fusedName);
    let firstRow = 0;
    for (const [name, n] of parts) {
      entries.set(name, { name, dtype: fused.dtype, shape: [n, fused.shape[1]!], byteLength: n * rowBytes });
      pieces.set(name, { fused, firstRow, rows: n });
      firstRow += n;
    }
  };
  for (let l = 0; l < c.nLayers; l++) {
    const b = `blk.${l}.`;
    split(`${b}attn_qkv.weight`, [
      [`${b}attn_q.weight`, q],
      [`${b}attn_k.weight`, kv],
      [`${b}attn_v.weight`, kv],
    ]);
    split(`${b}ffn_up.weight`, [
      [`${b}ffn_gate.weight`, c.ffnDim],
      [`${b}ffn_up.weight`, c.ffnDim],
    ]);
  }
  // the pieces of one fused tensor are read one after another: its bytes are read once for all of them
  let last: { name: string; bytes: Promise<Uint8Array> } | undefined;
  return {
    name: source.name,
    entries,
    async read(name) {
      const piece = pieces.get(name);
      if (!piece) return source.read(name);
      if (last?.name !== piece.fused.name) last = { name: piece.fused.name, bytes: source.read(piece.fused.name) };
      const rowBytes = piece.fused.byteLength / piece.fused.shape[0]!;
      return (await last.bytes).subarray(piece.firstRow * rowBytes, (piece.firstRow + piece.rows) * rowBytes);
    },
  };
}
