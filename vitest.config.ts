import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import workspace packages from source, so `vitest` needs no build first.
const root = fileURLToPath(new URL('.', import.meta.url));
const packageDirs = readdirSync(`${root}packages`);
const alias = packageDirs.flatMap((dir) => {
  const name = dir === 'llamita' ? 'llamita' : `@llamita/${dir}`;
  return [
    { find: new RegExp(`^${name}/node$`), replacement: `${root}packages/${dir}/src/node.ts` },
    { find: new RegExp(`^${name}/synthetic$`), replacement: `${root}packages/${dir}/src/synthetic.ts` },
    { find: new RegExp(`^${name}/worker$`), replacement: `${root}packages/${dir}/src/worker.ts` },
    { find: new RegExp(`^${name}$`), replacement: `${root}packages/${dir}/src/index.ts` },
  ];
});

// WGSL files are imported as text, as tsup's `--loader .wgsl=text` does in builds.
const wgslAsText = {
  name: 'wgsl-as-text',
  transform(code: string, id: string) {
    return id.endsWith('.wgsl') ? { code: `export default ${JSON.stringify(code)};`, map: null } : undefined;
  },
};

export default defineConfig({
  plugins: [wgslAsText],
  resolve: { alias },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // as the CLI does: Node 20 keeps WebAssembly relaxed SIMD behind a flag, and the
    // wasm backend's default (relaxed) kernels are what users run
    execArgv: ['--experimental-wasm-relaxed-simd'],
  },
});
