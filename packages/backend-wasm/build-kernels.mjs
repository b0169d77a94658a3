// Compiles assembly/index.ts four times (not committed; run by `pnpm build`):
// over an ordinary or a shared memory (threads), each with plain SIMD128 or with relaxed SIMD.
import asc from 'assemblyscript/asc';

const common = ['assembly/index.ts', '-O3', '--runtime', 'stub', '--importMemory', '--noExportMemory'];
const variants = {
  'kernels.wasm': ['--enable', 'simd'],
  'kernels-relaxed.wasm': ['--enable', 'simd,relaxed-simd'],
  'kernels-shared.wasm': ['--enable', 'simd,threads', '--sharedMemory', '--maximumMemory', '65535'],
  'kernels-shared-relaxed.wasm': ['--enable', 'simd,threads,relaxed-simd', '--sharedMemory', '--maximumMemory', '65535'],
};
for (const [file, flags] of Object.entries(variants)) {
  const { error, stderr } = await asc.main([...common, ...flags, '-o', `build/${file}`]);
  if (error) {
    console.error(stderr.toString());
    throw error;
  }
}
