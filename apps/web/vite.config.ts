import { defineConfig } from 'vite';

// Threads need SharedArrayBuffer, which browsers give only to cross-origin isolated pages.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  base: './',
  worker: { format: 'es' },
  server: { headers: isolation },
  preview: { headers: isolation },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    rollupOptions: { input: { main: 'index.html', bench: 'bench.html', eval: 'eval.html' } },
  },
});
