/**
 * The chat app in headless Chromium (Debian's, driven by Playwright), against
 * a local stand-in for the hub on another origin. The replies the page shows
 * are checked against llamita's engine run in Node on the same conversation
 * (the engine's own exactness against llama.cpp is proven by its tests).
 * Screenshots of each step go to apps/web/test-artifacts/ (not committed).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { jsBackend } from '@llamita/backend-js';
import { bytesSource } from '@llamita/model';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { loadModel, type Engine } from 'llamita';
import { startHub, type Hub } from './hub-server.js';
import { serveStatic, type StaticServer } from './static-server.js';
import { chat, clearStatus, MAX_TOKENS, setGreedy, status, storedMessages, waitForModel } from './chat-page.js';

const CHROMIUM = '/usr/bin/chromium';
const dist = fileURLToPath(new URL('../dist', import.meta.url));
const artifacts = fileURLToPath(new URL('../test-artifacts', import.meta.url));
const missing = !existsSync(CHROMIUM)
  ? `${CHROMIUM} not installed`
  : !existsSync(join(dist, 'index.html'))
    ? 'apps/web is not built (pnpm build)'
    : !fixturesAvailable()
      ? '../shared/fixtures not found'
      : '';

const WEBGPU_SWIFTSHADER = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader'];
const STORIES = 'stories260K/stories260K.gguf';

/** The reply llamita's engine gives in Node (js backend) to a conversation, greedy, as the app asks for it. */
async function expectedReply(engine: Engine, messages: { role: 'user' | 'assistant'; content: string }[]): Promise<string> {
  const session = engine.createSession();
  let text = '';
  for await (const step of session.generate(engine.chatTokens(messages), { temperature: 0, maxTokens: MAX_TOKENS, stopTokens: engine.chatFormat.stopTokens })) text += step.text;
  session.dispose();
  return text;
}

describe.skipIf(missing !== '')(`chat app in headless Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let app: StaticServer;
  let appUrl: string;
  let hub: Hub;
  let reference: Engine;
  beforeAll(async () => {
    app = await serveStatic(dist);
    appUrl = app.url;
    hub = await startHub(fixturePath(STORIES));
    reference = await loadModel(bytesSource(new Uint8Array(readFileSync(fixturePath(STORIES)))), { backend: jsBackend, contextSize: 2048 });
    mkdirSync(artifacts, { recursive: true });
  });
  const shot = (page: Page, name: string) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
  afterAll(async () => {
    reference?.dispose();
    await hub?.close();
    await app?.close();
  });

  it('downloads from the hub (resuming a cut-off download), chats on wasm, moves to WebGPU and back, stops, and after a reload restores the model, the conversation and its state offline', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--no-first-run', '--disable-background-networking', ...WEBGPU_SWIFTSHADER] });
    try {
      const page = await (await browser.newContext()).newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));

      // 1. a download cut off half-way: a clear error; loading again resumes with a range request
      const flaky = `${hub.base}/flaky/stories260K.gguf`;
      await page.goto(`${appUrl}?model=${encodeURIComponent(flaky)}`);
      await page.waitForFunction(() => document.querySelector<HTMLProgressElement>('#download-progress')!.value > 0);
      hub.cutFlaky();
      await waitForModel(page);
      expect(await status(page)).toMatch(/cut off at [1-9]\d* bytes of \d+; load it again to resume/);
      await shot(page, '1-download-cut-off');
      await page.fill('#model-url', flaky);
      await clearStatus(page);
      await page.click('#load-url');
      await waitForModel(page);
      expect(await status(page)).toMatch(/^Loaded stories260K\.gguf/);
      const flakyGets = hub.requests.filter((r) => r.path === '/flaky/stories260K.gguf' && r.method === 'GET');
      expect(flakyGets.map((r) => r.range)).toEqual([undefined, expect.stringMatching(/^bytes=[1-9]\d*-$/)]);

      // 2. ?model= with the hub's redirecting address: downloaded, kept, loaded on wasm (auto: no hardware GPU here)
      const hubModel = `${hub.base}/org/repo/resolve/main/stories260K.gguf`;
      await page.goto(`${appUrl}?model=${encodeURIComponent(hubModel)}`);
      await waitForModel(page);
      expect(await status(page)).toMatch(/^Loaded stories260K\.gguf \(.*kept on this device\)\. Running on wasm: WebAssembly SIMD128/);
      await shot(page, '2-loaded');

      // 3. two turns on wasm, each reply the engine's own for that conversation; the second reuses the first's cache
      await setGreedy(page);
      const first = await chat(page, 'Once upon a time');
      expect(first.reply).toBe(await expectedReply(reference, [{ role: 'user', content: 'Once upon a time' }]));
      expect(first.reply.length).toBeGreaterThan(10);
      const second = await chat(page, 'Tell me about the cat.');
      const turns = [
        { role: 'user' as const, content: 'Once upon a time' },
        { role: 'assistant' as const, content: first.reply },
        { role: 'user' as const, content: 'Tell me about the cat.' },
      ];
      expect(second.reply).toBe(await expectedReply(reference, turns));
      expect(Number(second.stats.cachedTokens)).toBeGreaterThan(Number(first.stats.promptTokens));
      expect(second.stats.backend).toBe('wasm');
      await shot(page, '3-two-turns');

      // 3b. Regenerate replaces the last reply (greedy: the same text again, with the next seed); Edit takes the last message back
      await page.click('#messages li.assistant:last-child button.regenerate');
      await page.waitForFunction(() => (document.getElementById('seed') as HTMLInputElement).value === '1' && (document.getElementById('stop') as HTMLButtonElement).disabled);
      expect(await page.locator('#messages li').count()).toBe(4);
      expect((await storedMessages(page)).at(-1)!.content).toBe(second.reply);
      await page.click('#messages li.user:nth-last-child(2) button.edit');
      expect(await page.inputValue('#prompt')).toBe('Tell me about the cat.');
      expect(await page.locator('#messages li').count()).toBe(2);
      const resent = await chat(page, 'Tell me about the cat.');
      expect(resent.reply).toBe(second.reply);

      // 4. to WebGPU (SwiftShader) mid-conversation and back: the conversation continues, its cache moved with it
      await clearStatus(page);
      await page.selectOption('#backend', 'webgpu');
      await waitForModel(page);
      expect(await status(page)).toMatch(/^Moved\. Running on webgpu: WebGPU/);
      const onGpu = await chat(page, 'And then?');
      expect(onGpu.stats.backend).toBe('webgpu');
      expect(Number(onGpu.stats.cachedTokens)).toBeGreaterThan(Number(second.stats.promptTokens));
      expect(onGpu.reply.length).toBeGreaterThan(0);
      await shot(page, '4-on-webgpu');
      await clearStatus(page);
      await page.selectOption('#backend', 'wasm');
      await waitForModel(page);
      expect(await status(page)).toMatch(/^Moved\. Running on wasm/);

      // 5. Stop mid-reply: the partial reply is kept, the next one works
      await setGreedy(page, 2000);
      await page.fill('#prompt', 'Tell me a long story.');
      await page.press('#prompt', 'Enter');
      await page.waitForFunction(() => (document.querySelector('#messages li.streaming')?.textContent ?? '').length > 40, undefined, { timeout: 60_000 });
      await page.click('#stop');
      await page.waitForFunction(() => document.getElementById('stats')?.textContent === 'Stopped.', undefined, { timeout: 60_000 });
      const messagesBefore = await page.locator('#messages li').count();
      expect(messagesBefore).toBe(8);
      await shot(page, '5-stopped');

      // 6. reload: the model comes from the browser's storage (no request to the hub), the conversation and its state are back
      const hubRequests = hub.requests.length;
      await page.reload();
      await waitForModel(page);
      expect(await status(page)).toMatch(/^Loaded stories260K\.gguf/);
      expect(hub.requests.length).toBe(hubRequests);
      expect(await page.locator('#messages li').count()).toBe(messagesBefore);
      await setGreedy(page);
      const afterReload = await chat(page, 'The end.');
      expect(afterReload.stats.restored).toBe('true');
      // everything before the new message was in the restored cache: only the new turn was read
      expect(Number(afterReload.stats.cachedTokens)).toBeGreaterThan(Number(onGpu.stats.promptTokens));
      await shot(page, '6-after-reload');

      // 6b. offline: the page (from its service worker's copy), the model, the conversation all load without a network
      await page.context().setOffline(true);
      await page.reload();
      await waitForModel(page);
      expect(await status(page)).toMatch(/^Loaded stories260K\.gguf/);
      expect(await page.locator('#messages li').count()).toBe(messagesBefore + 2);
      await shot(page, '6b-offline');
      await page.context().setOffline(false);
      console.log(
        `time to first token: ${second.stats.ttftMs} ms before the reload (turn 2), ${afterReload.stats.ttftMs} ms after it (${afterReload.stats.cachedTokens} of ${afterReload.stats.promptTokens} tokens restored)`,
      );

      // 6c. a new chat is listed beside the first; the first opens again as it was
      await page.click('#new-chat');
      expect(await page.locator('#messages li').count()).toBe(0);
      await chat(page, 'Hello');
      expect(await page.locator('#conversations li').count()).toBe(2);
      // a conversation that outgrows the context (2048 tokens) goes on: its oldest exchanges leave the model's view
      const long = 'the little dog ran to the park and saw a big red ball. '.repeat(30);
      await chat(page, long);
      const overflowing = await chat(page, long);
      expect(overflowing.reply.length).toBeGreaterThan(0);
      expect(await page.textContent('#stats')).toMatch(/the \d+ oldest messages no longer fit the model's context/);
      await page.click('#conversations li:nth-child(2) button.open');
      expect(await page.locator('#messages li').count()).toBe(messagesBefore + 2);

      // 7. the models panel lists the kept models; an address without CORS and a missing file give clear errors
      await page.click('#models-panel summary');
      await page.waitForFunction(() => document.querySelectorAll('#stored-models li.stored-model').length >= 2);
      expect(await page.textContent('#storage')).toMatch(/used of .* this browser allows this site/);
      await page.fill('#model-url', `${hub.base}/no-cors/stories260K.gguf`);
      await clearStatus(page);
      await page.click('#load-url');
      await waitForModel(page);
      expect(await status(page)).toMatch(/Could not load the model: .*Access-Control-Allow-Origin/);
      await shot(page, '7-no-cors');
      await page.fill('#model-url', `${hub.base}/missing.gguf`);
      await clearStatus(page);
      await page.click('#load-url');
      await waitForModel(page);
      expect(await status(page)).toMatch(/HTTP 404/);
      await page.fill('#model-url', 'ftp://example.com/x.gguf');
      await clearStatus(page);
      await page.click('#load-url');
      await page.waitForFunction(() => /^Cannot/.test(document.getElementById('model-status')?.textContent ?? ''));
      expect(await status(page)).toMatch(/not an http\(s\) address/);

      // 8. an accessibility audit of the page as it is now: no serious or critical violations
      await page.addScriptTag({ content: readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8') });
      const violations = await page.evaluate(async () => {
        const result = await (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe.run();
        return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
      });
      expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 600_000);

  it('the bench page still measures a model given by address', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--no-first-run', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      await page.goto(`${appUrl}bench.html?model=${encodeURIComponent(`${hub.base}/cdn/stories260K.gguf`)}&prompt=16&gen=8&repeats=1&threads=1`);
      await page.waitForFunction(() => /^(Done|Error)/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 60_000 });
      expect(await page.textContent('#status')).toBe('Done.');
      const result = JSON.parse((await page.textContent('#result')) ?? '{}') as Record<string, unknown>;
      expect(result).toMatchObject({ prompt_tokens: 16, gen_tokens: 8 });
    } finally {
      await browser.close();
    }
  }, 120_000);

  it("renders the model's Markdown sanitized: formatting kept, HTML that could run or load anything dropped", async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--no-first-run', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      await page.goto(appUrl);
      const hostile = '**bold** `code`\n\n<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>[link](javascript:window.pwned=3) [ok](https://example.com)\n\n```\n<b>not html</b>\n```';
      await page.evaluate(async (text) => {
        // the app's conversation store, written as a stored reply would be, then shown by a reload
        const request = indexedDB.open('llamita-chat', 1);
        request.onupgradeneeded = () => request.result.createObjectStore('conversations', { keyPath: 'id' });
        const db = await new Promise<IDBDatabase>((resolve) => (request.onsuccess = () => resolve(request.result)));
        const settings = { temperature: 0.8, topP: 0.95, topK: 40, minP: 0.05, repeatPenalty: 1, seed: 0, maxTokens: 512 };
        const conversation = {
          id: 'md',
          title: 'Markdown',
          system: '',
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'assistant', content: text },
          ],
          settings,
          updatedAt: Date.now(),
        };
        await new Promise((resolve) => (db.transaction('conversations', 'readwrite').objectStore('conversations').put(conversation).onsuccess = resolve));
        localStorage.setItem('llamita.conversation', 'md');
      }, hostile);
      await page.reload();
      const reply = page.locator('#messages li.assistant .content');
      await reply.waitFor();
      expect(await reply.locator('strong').textContent()).toBe('bold');
      expect(await reply.locator('pre code').textContent()).toContain('<b>not html</b>');
      expect(await reply.locator('img, script').count()).toBe(0);
      expect(await reply.locator('a[href^="javascript"]').count()).toBe(0);
      expect(await reply.locator('a[href="https://example.com"]').getAttribute('rel')).toBe('noopener noreferrer nofollow');
      await page.waitForTimeout(200);
      expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
      await shot(page, 'markdown-sanitized');
    } finally {
      await browser.close();
    }
  }, 120_000);
});
