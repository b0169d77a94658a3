import { describe, expect, it } from 'vitest';
import { allocateTensor, asF32, byteSize, type Backend, type BufferUsage, type DType, type Op, type Tensor } from '@llamita/core';
import { JsBackend } from '@llamita/backend-js';
import { Prng } from '@llamita/sampling';
import { randomF32, randomWeight } from '@llamita/testkit';
import { WasmBackend } from './backend.js';

function put(backend: Backend, dtype: DType, shape: number[], data?: ArrayBufferView, usage: BufferUsage = 'activations'): Tensor {
  const t = allocateTensor(backend, usage, dtype, shape);
  if (data) backend.write(t.buffer, 0, data);
  return t;
}

// Q4_0 and Q4_K weights are rewritten in place into interleaved groups of four
// rows on their first matmul; everything else must still see GGUF's layout.
describe.each(['q4_0', 'q4_k'] as const)('a %s weight repacked for the matmul kernel', (dtype) => {
  const rng = new Prng(5);
  const [rows, cols] = [10, 512]; // two whole groups of four, and two rows left as they are
  const weight = randomWeight(rng, dtype, rows, cols).bytes;
  const x = randomF32(rng, 2 * cols);

  async function embedAfterMatmul(backend: Backend): Promise<{ rows: Float32Array; product: Float32Array; bytes: Uint8Array }> {
    const w = put(backend, dtype, [rows, cols], weight, 'weights');
    const product = put(backend, 'f32', [2, rows]);
    const embedded = put(backend, 'f32', [4, cols]);
    const ops: Op[] = [
      { op: 'matmul', x: put(backend, 'f32', [2, cols], x), w, out: product },
      { op: 'embedding', table: w, ids: put(backend, 'i32', [4], Int32Array.of(0, 5, 8, 9)), out: embedded },
    ];
    backend.run(ops);
    return { rows: asF32(await backend.read(embedded)), product: asF32(await backend.read(product)), bytes: await backend.read(w) };
  }

  it('embeds rows and reads back bytes as the reference backend does', async () => {
    const wasm = await WasmBackend.create({ threads: 1 });
    const got = await embedAfterMatmul(wasm);
    const want = await embedAfterMatmul(new JsBackend());
    expect(got.rows).toEqual(want.rows);
    expect(got.bytes).toEqual(weight);
    for (let i = 0; i < want.product.length; i++) expect(Math.abs(got.product[i]! - want.product[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want.product[i]!)));
    wasm.dispose();
  });

  it('takes a write over a repacked weight in GGUF layout', async () => {
    const wasm = await WasmBackend.create({ threads: 1 });
    const w = put(wasm, dtype, [rows, cols], weight, 'weights');
    const out = put(wasm, 'f32', [1, rows]);
    const xs = put(wasm, 'f32', [1, cols], x.subarray(0, cols));
    wasm.run([{ op: 'matmul', x: xs, w, out }]);
    const first = asF32(await wasm.read(out));
    // overwrite one row (bytes of row 2 with row 3's), then multiply again
    const rowBytes = byteSize(dtype, [cols]);
    wasm.write(w.buffer, 2 * rowBytes, weight.subarray(3 * rowBytes, 4 * rowBytes));
    wasm.run([{ op: 'matmul', x: xs, w, out }]);
    const second = asF32(await wasm.read(out));
    expect(second[2]).toBe(first[3]);
    expect(second[3]).toBe(first[3]);
    expect(second[0]).toBe(first[0]);
    wasm.dispose();
  });
});
