/** Driving the chat app's page from Playwright: shared by its browser test and its reload benchmark. */
import type { Page } from 'playwright-core';

/** Reply length the test and benchmark ask for. */
export const MAX_TOKENS = 40;

/** Forgets the status line, so the next {@link waitForModel} waits for what comes after. */
export const clearStatus = (page: Page) => page.evaluate(() => void (document.getElementById('model-status')!.textContent = ''));

/** The model status line. */
export const status = (page: Page) => page.textContent('#model-status').then((t) => t ?? '');

/** Waits until a load or a move has ended, well or not. */
export const waitForModel = (page: Page, timeout = 90_000) =>
  page.waitForFunction(() => /^(Loaded|Moved|Could not|Cannot)/.test(document.getElementById('model-status')?.textContent ?? ''), undefined, { timeout });

/** Greedy replies of at most `maxTokens`, through the settings panel as a user sets them. */
export const setGreedy = async (page: Page, maxTokens = MAX_TOKENS) => {
  await page.$eval('#settings-panel', (d) => ((d as HTMLDetailsElement).open = true));
  await page.fill('#temperature', '0');
  await page.dispatchEvent('#temperature', 'change');
  await page.fill('#max-tokens', String(maxTokens));
  await page.dispatchEvent('#max-tokens', 'change');
};

/** The current conversation's messages as the app kept them in IndexedDB (the raw text; the page shows it rendered). */
export const storedMessages = (page: Page) =>
  page.evaluate(async () => {
    const request = indexedDB.open('llamita-chat', 1);
    const db = await new Promise<IDBDatabase>((resolve) => (request.onsuccess = () => resolve(request.result)));
    const get = db.transaction('conversations').objectStore('conversations').get(localStorage.getItem('llamita.conversation')!);
    const conversation = await new Promise<{ messages: { role: string; content: string }[] }>((resolve) => (get.onsuccess = () => resolve(get.result)));
    db.close();
    return conversation.messages;
  });

/**
 * Sends a message with Enter and waits until the reply is done; returns its text as kept and the figures the page shows (`#stats`'s data).
 * @throws Error with the page's message when the reply failed.
 */
export const chat = async (page: Page, text: string, timeout = 120_000) => {
  const before = await page.locator('#messages li.assistant').count();
  await page.fill('#prompt', text);
  await page.press('#prompt', 'Enter');
  await page.waitForFunction(
    (n) =>
      (document.querySelectorAll('#messages li.assistant:not(.streaming)').length > n || /^The reply failed/.test(document.getElementById('stats')?.textContent ?? '')) &&
      (document.getElementById('stop') as HTMLButtonElement).disabled,
    before,
    { timeout },
  );
  const failed = (await page.textContent('#stats')) ?? '';
  if (failed.startsWith('The reply failed')) throw new Error(failed);
  const stats = await page.evaluate(() => ({ ...document.getElementById('stats')!.dataset }));
  return { reply: (await storedMessages(page)).at(-1)!.content, stats };
};
