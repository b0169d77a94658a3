import { describe, expect, it } from 'vitest';
import { reshape, tensorOn, type Graph, type Tensor } from '@llamita/core';
import { fuseGraph, type FuseRules } from './fuse.js';

/** Rules that fold every norm `normFits` allows and group no matmuls. */
const ungrouped = (normFits: FuseRules['normFits']): FuseRules => ({ normFits, groupFits: () => false, swigluFits: () => false });

/** The ops `graph` plans to when every norm may fold. */
const opsFused = (graph: Graph) =>
  fuseGraph(
    graph,
    ungrouped(() => true),
  ).map((p) => p.op);

let nextId = 1;
/** A tensor in a buffer of its own (planned tensors all share buffer 0, so they would all alias). */
const t = (shape: number[], dtype: Tensor['dtype'] = 'f32'): Tensor => tensorOn({ backend: 'test', id: nextId++, byteLength: 1 << 20 }, dtype, shape);

describe('fuseGraph', () => {
  const [x, normW, h, wq, wk, q, k, res, sum] = [t([1, 64]), t([64]), t([1, 64]), t([8, 64], 'q8_0'), t([8, 64], 'q8_0'), t([1, 8]), t([1, 8]), t([1, 8]), t([1, 8])];
  const block: Graph = [
    { op: 'rms_norm', x, weight: normW, eps: 1e-5, out: h },
    { op: 'matmul', x: h, w: wq, out: q },
    { op: 'matmul', x: h, w: wk, out: k },
    { op: 'add', a: res, b: k, out: sum },
  ];

  it('folds a norm into every matmul reading it, and a residual add into the matmul before it', () => {
    const planned = fuseGraph(
      block,
      ungrouped(() => true),
    );
    expect(planned.map((p) => (p.op === 'fused_matmul' ? [p.matmul.out, p.norm?.out, p.residual?.add.out] : p.op))).toEqual([
      [q, h, undefined],
      [k, h, sum],
    ]);
  });

  it('keeps the norm as its own op when a matmul cannot stage whole rows', () => {
    const planned = fuseGraph(
      block,
      ungrouped((m) => m.out !== k),
    );
    expect(planned.map((p) => (p.op === 'fused_matmul' ? `fused ${p.residual ? 'add' : ''}` : p.op))).toEqual(['rms_norm', 'matmul', 'fused add']);
  });

  it('does not fold a bias add (one row added to each) as a residual: the epilogue reads a whole [m, n]', () => {
    const [h2, q2, bias, biased] = [t([2, 64]), t([2, 8]), t([8]), t([2, 8])];
    const graph: Graph = [
      { op: 'matmul', x: h2, w: wq, out: q2 },
      { op: 'add', a: q2, b: bias, out: biased },
    ];
    expect(opsFused(graph)).toEqual(['matmul', 'add']);
  });

  it('does not fold an add whose sum overwrites the matmul input other workgroups still read', () => {
    const graph: Graph = [
      { op: 'matmul', x: h, w: wq, out: q },
      { op: 'add', a: q, b: res, out: h },
    ];
    expect(opsFused(graph)).toEqual(['matmul', 'add']);
  });

  it('groups matmuls reading the same x into one dispatch, with the norm before them, leaving the add after them its own op', () => {
    const planned = fuseGraph(block, { normFits: () => true, groupFits: (ms) => ms.length === 2, swigluFits: () => true });
    expect(planned.map((p) => (p.op === 'fused_matmul' ? [p.matmul.out, p.siblings?.map((m) => m.out), p.norm?.out, p.residual] : p.op))).toEqual([[q, [k], h, undefined], 'add']);
  });

  it('does not group matmuls whose output overwrites what another of them reads', () => {
    const graph: Graph = [
      { op: 'matmul', x: h, w: wq, out: q },
      { op: 'matmul', x: h, w: wk, out: h },
    ];
    expect(fuseGraph(graph, { normFits: () => true, groupFits: () => true, swigluFits: () => true }).map((p) => p.op)).toEqual(['matmul', 'matmul']);
  });

  describe('the start of attention', () => {
    const [q, k, qRot, kRot, v, kCache, vCache] = [t([2, 4, 8]), t([2, 2, 8]), t([2, 4, 8]), t([2, 2, 8]), t([2, 16]), t([32, 16], 'f16'), t([32, 16], 'f16')];
    const start = (positions: Tensor, vRows: Tensor = positions): Graph => [
      { op: 'rope', x: q, positions, theta: 10000, mode: 'half', out: qRot },
      { op: 'rope', x: k, positions, theta: 10000, mode: 'half', out: kRot },
      { op: 'copy', src: reshape(kRot, [2, 16]), dst: kCache, rows: positions },
      { op: 'copy', src: v, dst: vCache, rows: vRows },
    ];
    const rules: FuseRules = { normFits: () => true, groupFits: () => true, swigluFits: () => true };

    it('folds rope of q and k and the copies of k and v into cache rows into one op', () => {
      expect(fuseGraph(start(t([2], 'i32')), rules).map((p) => p.op)).toEqual(['fused_rope_cache']);
    });

    describe('with the attention after it, for one token', () => {
      const [q1, k1, qRot1, kRot1, v1, kc, vc, out] = [t([1, 4, 8]), t([1, 2, 8]), t([1, 4, 8]), t([1, 2, 8]), t([1, 16]), t([32, 2, 8], 'f16'), t([32, 2, 8], 'f16'), t([1, 32])];
      const positions = t([1], 'i32');
      const decode = (attentionOut: Tensor = out): Graph => [
        { op: 'rope', x: q1, positions, theta: 10000, mode: 'adjacent', out: qRot1 },
        { op: 'rope', x: k1, positions, theta: 10000, mode: 'adjacent', out: kRot1 },
        { op: 'copy', src: reshape(kRot1, [1, 16]), dst: reshape(kc, [32, 16]), rows: positions },
        { op: 'copy', src: v1, dst: reshape(vc, [32, 16]), rows: positions },
        { op: 'attention', q: qRot1, k: kc, v: vc, positions, scale: 0.35, out: attentionOut },
      ];
      const folding: FuseRules = { ...rules, ropeAttentionFits: () => true };

      it('folds all five ops into one where the rules let the attention take them', () => {
        const planned = fuseGraph(decode(), folding);
        expect(planned.map((p) => p.op)).toEqual(['fused_rope_attention']);
        expect(planned[0]!.op === 'fused_rope_attention' && planned[0]!.start.copyK.dst.buffer).toBe(kc.buffer);
        expect(fuseGraph(decode(), rules).map((p) => p.op)).toEqual(['fused_rope_cache', 'attention']);
      });

      it('keeps the attention apart when its output overlaps what the fused kernel reads', () => {
        expect(fuseGraph(decode(reshape(qRot1, [1, 32])), folding).map((p) => p.op)).toEqual(['fused_rope_cache', 'attention']);
      });

      it('keeps the attention apart for a batch of tokens (their rows would all be new)', () => {
        const graph: Graph = [...start(t([2], 'i32')).slice(0, 4)];
        const attention: Graph = [
          { op: 'attention', q: qRot, k: reshape(kCache, [32, 2, 8]), v: reshape(vCache, [32, 2, 8]), positions: (graph[0] as { positions: Tensor }).positions, scale: 0.35, out: t([2, 32]) },
        ];
        expect(fuseGraph([...graph, ...attention], folding).map((p) => p.op)).toEqual(['fused_rope_cache', 'attention']);
      });
    });

    it('keeps the four ops when v goes to other rows than k', () => {
      expect(fuseGraph(start(t([2], 'i32'), t([2], 'i32')), rules).map((p) => p.op)).toEqual(['rope', 'rope', 'copy', 'copy']);
    });
  });

  it('folds a swiglu into the matmul reading its output, and the residual add after it', () => {
    const [gate, up, act, down, wDown] = [t([1, 64]), t([1, 64]), t([1, 64]), t([1, 8]), t([8, 64], 'q8_0')];
    const graph: Graph = [
      { op: 'swiglu', gate, up, out: act },
      { op: 'matmul', x: act, w: wDown, out: down },
      { op: 'add', a: res, b: down, out: sum },
    ];
    const rules: FuseRules = { normFits: () => true, groupFits: () => true, swigluFits: () => true };
    expect(fuseGraph(graph, rules).map((p) => (p.op === 'fused_matmul' ? [p.swiglu?.out, p.matmul.out, p.residual?.add.out] : p.op))).toEqual([[act, down, sum]]);
    expect(fuseGraph(graph, { ...rules, swigluFits: () => false }).map((p) => p.op)).toEqual(['swiglu', 'fused_matmul']);
  });
});
