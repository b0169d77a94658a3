import { numel, type Op } from '@llamita/core';
import { activationTypeFor } from '@llamita/tensor';
import * as k from './kernels.js';
import { matmulKQuant } from './llama-cpp-x86/index.js';
import { sampleRow } from './sample.js';
import type { TensorViews } from './views.js';

/**
 * Runs one validated op with the reference kernels over `v`'s views: the
 * executable spec every backend's results are checked against, and the
 * fallback of faster backends for what they have no kernel of their own for.
 */
export function executeReference(op: Op, v: TensorViews): void {
  switch (op.op) {
    case 'embedding': {
      const [vocab, dim] = op.table.shape as [number, number];
      return k.embedding(v.rows(op.table), vocab, dim, v.i32(op.ids), v.f32(op.out));
    }
    case 'rms_norm': {
      const [m, n] = op.x.shape as [number, number];
      return k.rmsNorm(v.f32(op.x), v.f32(op.weight), op.eps, m, n, v.f32(op.out));
    }
    case 'matmul': {
      const [m, kk] = op.x.shape as [number, number];
      const n = op.w.shape[0]!;
      // k-quants take llama.cpp's integer route, so that they round where it does
      if ((op.w.dtype === 'q4_k' || op.w.dtype === 'q5_k' || op.w.dtype === 'q6_k') && kk % 256 === 0) {
        return matmulKQuant(v.f32(op.x), op.w.dtype, v.bytes(op.w.buffer), op.w.byteOffset, m, kk, n, v.f32(op.out));
      }
      const activation = activationTypeFor(op.w.dtype);
      return k.matmul(v.f32(op.x), v.rows(op.w), activation, k.accumulationFor(op.w.dtype, n, kk), m, kk, n, v.f32(op.out));
    }
    case 'rope': {
      const [m, heads, hd] = op.x.shape as [number, number, number];
      return k.rope(v.f32(op.x), v.i32(op.positions), op.theta, op.mode, m, heads, hd, v.f32(op.out), op.freqFactors && v.f32(op.freqFactors));
    }
    case 'attention': {
      const [m, nHead, hd] = op.q.shape as [number, number, number];
      const [ctx, nKv] = op.k.shape as [number, number];
      if (op.k.dtype === 'f16') {
        return k.attentionF16Cache(v.f32(op.q), v.u16(op.k), v.u16(op.v), v.i32(op.positions), op.scale, m, nHead, nKv, hd, ctx, v.f32(op.out));
      }
      return k.attention(v.f32(op.q), v.f32(op.k), v.f32(op.v), v.i32(op.positions), op.scale, m, nHead, nKv, hd, ctx, v.f32(op.out));
    }
    case 'swiglu':
      return k.swiglu(v.f32(op.gate), v.f32(op.up), v.f32(op.out));
    case 'add':
      return k.add(v.f32(op.a), v.f32(op.b), v.f32(op.out));
    case 'copy': {
      const dst = op.dst.dtype === 'f16' ? v.u16(op.dst) : v.f32(op.dst);
      const width = op.src.shape[op.src.shape.length - 1] ?? 1;
      if (width === 0) return;
      const rows = op.rows ? v.i32(op.rows) : Int32Array.from({ length: numel(op.src.shape) / width }, (_, i) => i);
      return k.copyRows(v.f32(op.src), dst, rows, width, dst.length / width);
    }
    case 'argmax': {
      const [m, n] = op.x.shape as [number, number];
      return k.argmax(v.f32(op.x), m, n, v.i32(op.out));
    }
    case 'sample': {
      const [m, n] = op.logits.shape as [number, number];
      const [logits, random, out] = [v.f32(op.logits), v.i32(op.random), v.i32(op.out)];
      for (let i = 0; i < m; i++) out[i] = sampleRow(logits.subarray(i * n, (i + 1) * n), op, (random[i]! >>> 0) / 4294967296);
      return;
    }
  }
}
