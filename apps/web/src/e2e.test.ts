import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';

const CHROMIUM = '/usr/bin/chromium';
const dist = fileURLToPath(new URL('../dist', import.meta.url));
const missing = !existsSync(CHROMIUM)
  ? `${CHROMIUM} not installed`
  : !existsSync(join(dist, 'index.html'))
    ? 'apps/web is not built (pnpm build)'
    : !fixturesAvailable()
      ? '../shared/fixtures not found'
      : '';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
// served cross-origin isolated, as apps/web/vite.config.ts does, so the wasm backend can start threads
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

describe.skipIf(missing !== '')(`web demo in headless Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = normalize(join(dist, (req.url ?? '/').split('?')[0] === '/' ? 'index.html' : (req.url ?? '')));
      if (!path.startsWith(dist) || !existsSync(path)) return void res.writeHead(404).end();
      res.writeHead(200, { ...ISOLATION, 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(readFileSync(path));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Loads stories260K in the demo on `backend`, generates 48 greedy tokens; returns the status line after loading and the text. */
  async function generateIn(browserArgs: string[], backend: string): Promise<{ loaded: string; text: string }> {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', ...browserArgs],
    });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      await page.selectOption('#backend', backend);
      await page.setInputFiles('#model', fixturePath('stories260K/stories260K.gguf'));
      await page.waitForFunction(() => /^(Loaded|Error)/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 60_000 });
      const loaded = (await page.textContent('#status')) ?? '';
      await page.fill('#prompt', '');
      await page.fill('#max-tokens', '48');
      await page.click('#generate');
      await page.waitForFunction(() => /^(Done|Error)/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 120_000 });
      expect(await page.textContent('#status')).toMatch(/^Done/);
      return { loaded, text: (await page.textContent('#output')) ?? '' };
    } finally {
      await browser.close();
    }
  }

  const greedy = () => readFileSync(fixturePath('stories260K/greedy-256.txt'), 'utf8');

  it('loads a GGUF from a file input and streams the same greedy text as llama2.c', async () => {
    const { loaded, text } = await generateIn(['--disable-gpu'], 'auto');
    // Chromium has WebAssembly SIMD and relaxed SIMD, and no GPU here: auto runs the wasm
    // backend, with worker threads (the page is cross-origin isolated) unless the machine has one core
    expect(loaded).toMatch(/on the wasm backend: WebAssembly SIMD128 \(relaxed SIMD; (\d+ threads|single thread: one thread requested)\)/);
    expect(text.length).toBeGreaterThan(100);
    expect(greedy().startsWith(text)).toBe(true);
  });

  it('Stop aborts the generation in the worker: the error code crosses the boundary, and the next generation is exact', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      await page.selectOption('#backend', 'js');
      await page.setInputFiles('#model', fixturePath('stories260K/stories260K.gguf'));
      await page.waitForFunction(() => /^Loaded/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 60_000 });
      await page.fill('#prompt', '');
      await page.fill('#max-tokens', '2000');
      await page.click('#generate');
      await page.waitForFunction(() => (document.getElementById('output')?.textContent ?? '').length > 20, undefined, { timeout: 60_000 });
      await page.click('#stop');
      await page.waitForFunction(() => /^(Stopped|Done|Error)/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 60_000 });
      expect(await page.textContent('#status')).toMatch(/^Stopped \[E_ABORTED\]/);
      await page.fill('#max-tokens', '48');
      await page.click('#generate');
      await page.waitForFunction(() => /^(Done|Error)/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 60_000 });
      expect(greedy().startsWith((await page.textContent('#output')) ?? '-')).toBe(true);
    } finally {
      await browser.close();
    }
  });

  it('generates the same greedy text on WebGPU (SwiftShader, the software Vulkan driver Chromium ships)', async () => {
    const { loaded, text } = await generateIn(['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader'], 'webgpu');
    expect(loaded).toMatch(/on the webgpu backend: WebGPU /);
    expect(text.length).toBeGreaterThan(100);
    expect(greedy().startsWith(text)).toBe(true);
  });
});
