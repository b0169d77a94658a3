// How far the wasm backend's kernels are from this machine's limits: one
// thread's memory read bandwidth and int8 dot throughput (apps/bench/assembly/limits.ts,
// compiled here with plain and relaxed SIMD), against the Q4_0 and Q4_K
// matmul kernels of @llamita/backend-wasm on a 1.1B-sized stream of weights
// (decode: one activation row, from memory) and on one cached matrix (prefill:
// 16 and 64 rows). Best of several runs, one thread.
//
// Run: pnpm build && pnpm --filter @llamita/bench kernel-limits
import { setFlagsFromString } from 'node:v8';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

setFlagsFromString('--experimental-wasm-relaxed-simd');
const limitsSource = fileURLToPath(new URL('../assembly/limits.ts', import.meta.url));
const kernelsDir = fileURLToPath(new URL('../../../packages/backend-wasm/build/', import.meta.url));

async function compileLimits(relaxed: boolean): Promise<WebAssembly.Module> {
  let binary: Uint8Array | undefined;
  const { error, stderr } = await asc.main([limitsSource, '-O3', '--runtime', 'stub', '--importMemory', '--noExportMemory', '--enable', relaxed ? 'simd,relaxed-simd' : 'simd', '-o', 'limits.wasm'], {
    writeFile: (name: string, contents: string | Uint8Array) => {
      if (name.endsWith('.wasm') && typeof contents !== 'string') binary = contents;
    },
  });
  if (error || !binary) throw new Error(`asc failed: ${stderr.toString()}`);
  return WebAssembly.compile(binary as Uint8Array<ArrayBuffer>);
}

const best = (runs: number, fn: () => void): number => {
  let ms = Infinity;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    fn();
    ms = Math.min(ms, performance.now() - t);
  }
  return ms;
};

const STREAM = 600 << 20; // about the weights of one TinyLlama token in Q4_0
const memory = new WebAssembly.Memory({ initial: (STREAM >> 16) + 1024, maximum: 65535 });
const bytes = new Uint8Array(memory.buffer);
for (let i = 0; i < STREAM; i += 4096) bytes[(1 << 24) + i] = i & 0xff;
const rows: Record<string, unknown>[] = [];

for (const relaxed of [false, true]) {
  const limits = (await WebAssembly.instantiate(await compileLimits(relaxed), { env: { memory, abort() {} } })).exports as unknown as {
    readStream(p: number, n: number): number;
    dotPeak(i: number): number;
  };
  const readMs = best(5, () => limits.readStream(1 << 24, STREAM));
  const iterations = 20_000_000;
  const dotMs = best(3, () => limits.dotPeak(iterations));
  rows.push({ what: `ceiling (${relaxed ? 'relaxed' : 'plain'} SIMD)`, read_gb_s: +(STREAM / readMs / 1e6).toFixed(2), int8_gmac_s: +((iterations * 128) / dotMs / 1e6).toFixed(1) });

  const file = `${kernelsDir}${relaxed ? 'kernels-relaxed.wasm' : 'kernels.wasm'}`;
  const { readFileSync } = await import('node:fs');
  const k = (await WebAssembly.instantiate(await WebAssembly.compile(readFileSync(file)), { env: { memory, abort() {} } })).exports as unknown as Record<string, (...a: number[]) => number>;
  const cols = 2048;
  // activations (quants, scales, sums) below 4 MiB, the kernels' chain scratch and repacking room below 16 MiB, weights from 16 MiB
  const [f16, xq, xd, xs, chain, tmp, w] = [1 << 16, 1 << 20, 3 << 20, (3 << 20) + (512 << 10), 4 << 20, 12 << 20, 1 << 24];
  for (const [dtype, header, payload, blockSize, kernel] of [
    ['q4_0', 2, 16, 32, 'matmulQ4_0'],
    ['q4_k', 0, 144, 256, 'matmulQ4_K'],
  ] as const) {
    const rowBytes = (cols / blockSize) * (header + payload);
    const streamRows = Math.floor(STREAM / rowBytes / 4) * 4;
    k.repackWords4!(w, streamRows, cols / blockSize, header, payload, tmp, 0);
    const out = w + streamRows * rowBytes;
    // (activations block-major, as the backend converts them for these kernels; their f32 chains in scratch)
    const run = (rows: number, n: number) => k[kernel]!(xq, xd, xs, w, out, rows, cols, n, f16, chain, 0, n);
    const decodeMs = best(4, () => run(1, streamRows));
    const cachedRows = 2816; // 6.5 MB of Q4_0: one ffn matrix
    // prefill: 16 activation rows (the earlier records) and 64 (a typical prompt batch)
    const prefill = Object.fromEntries([16, 64].map((m) => [`prefill_${m}_rows_gmac_s`, +((m * cachedRows * cols) / best(5, () => run(m, cachedRows)) / 1e6).toFixed(1)]));
    rows.push({
      what: `${dtype} matmul (${relaxed ? 'relaxed' : 'plain'} SIMD)`,
      decode_stream_gb_s: +((streamRows * rowBytes) / decodeMs / 1e6).toFixed(2),
      decode_gmac_s: +((streamRows * cols) / decodeMs / 1e6).toFixed(1),
      ...prefill,
    });
  }
}
for (const r of rows) console.log(JSON.stringify(r));
