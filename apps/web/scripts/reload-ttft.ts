// Time to first token in the chat app before a reload, after one (the conversation's
// engine state restored from the browser's storage), and after one without the kept
// state (the whole conversation read again), in one run of headless Chromium.
// The model is served by the local hub stand-in; the app is apps/web/dist.
// Run: pnpm --filter @llamita/web bench:reload MODEL.gguf [--turns 3] [--words 90] [--backend wasm]
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { chat, clearStatus, setGreedy, status, waitForModel } from '../src/chat-page.js';
import { startHub } from '../src/hub-server.js';
import { serveStatic } from '../src/static-server.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { turns: { type: 'string', default: '3' }, words: { type: 'string', default: '90' }, backend: { type: 'string', default: 'wasm' } },
});
const model = positionals[0];
if (!model) throw new Error('usage: reload-ttft MODEL.gguf [--turns 3] [--words 90] [--backend wasm]');
const [turns, words] = [Number(values.turns), Number(values.words)];
/** A user message of `words` words, different per turn (so no turn is a prefix of another). */
const message = (turn: number) => Array.from({ length: words }, (_, i) => `word${(turn * 131 + i * 7) % 997}`).join(' ');
const LONG = 30 * 60_000;

const app = await serveStatic(fileURLToPath(new URL('../dist', import.meta.url)));
const hub = await startHub(resolve(process.env.INIT_CWD ?? process.cwd(), model));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--no-first-run', '--disable-gpu'] });
try {
  const page = await (await browser.newContext()).newPage();
  const load = async () => {
    await waitForModel(page, LONG);
    if (!(await status(page)).startsWith('Loaded')) throw new Error(await status(page));
  };
  await page.goto(`${app.url}?model=${encodeURIComponent(`${hub.base}/org/repo/resolve/main/stories260K.gguf`)}`);
  await load();
  if (values.backend !== 'auto') {
    await clearStatus(page);
    await page.selectOption('#backend', values.backend!);
    await waitForModel(page, LONG);
  }
  await setGreedy(page, 4);
  for (let t = 0; t < turns; t++) await chat(page, message(t), LONG);
  const before = await chat(page, message(turns), LONG);
  await page.reload();
  await load();
  const restored = await chat(page, message(turns + 1), LONG);
  // the same again with the kept state deleted: the conversation is read from its first token
  await page.evaluate(async () => {
    const sessions = await (await navigator.storage.getDirectory()).getDirectoryHandle('sessions');
    await sessions.removeEntry(`${localStorage.getItem('llamita.conversation')}.bin`);
  });
  await page.reload();
  await load();
  const reread = await chat(page, message(turns + 2), LONG);
  const row = (s: Record<string, string | undefined>) => ({
    ttft_ms: Number(s.ttftMs),
    prompt_tokens: Number(s.promptTokens),
    cached_tokens: Number(s.cachedTokens),
    restored: s.restored === 'true',
    backend: s.backend,
  });
  console.log(
    JSON.stringify({
      model,
      date: new Date().toISOString(),
      browser: `Chromium ${browser.version()}`,
      user_message_words: words,
      before_reload: row(before.stats),
      after_reload_state_restored: row(restored.stats),
      after_reload_without_state: row(reread.stats),
    }),
  );
} finally {
  await browser.close();
  await hub.close();
  await app.close();
}
