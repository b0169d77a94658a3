/**
 * `llamita eval` in a browser tab: the eval page in headless Chromium (Debian's,
 * driven by Playwright) scores a task on the wasm backend, with the model and
 * the dataset's file from a local stand-in for the hub on another origin. Its
 * per-item log-likelihoods are checked against lm-evaluation-harness's own
 * (../shared/fixtures/eval/reference), as the Node test checks the package.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskResult } from '@llamita/eval';
import { compareWithLmEval, fixturePath, fixturesAvailable, lmEvalReference, lmEvalSummary } from '@llamita/testkit';
import { startHub, type Hub } from './hub-server.js';
import { serveStatic, type StaticServer } from './static-server.js';

const CHROMIUM = '/usr/bin/chromium';
const dist = fileURLToPath(new URL('../dist', import.meta.url));
const missing = !existsSync(CHROMIUM)
  ? `${CHROMIUM} not installed`
  : !existsSync(join(dist, 'eval.html'))
    ? 'apps/web is not built (pnpm build)'
    : !fixturesAvailable()
      ? '../shared/fixtures not found'
      : '';

describe.skipIf(missing !== '')(`the eval page in headless Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let app: StaticServer;
  let hub: Hub;
  beforeAll(async () => {
    app = await serveStatic(dist);
    hub = await startHub(fixturePath('stories260K/stories260K.gguf'), { 'openbookqa.jsonl': fixturePath('eval/openbookqa.jsonl') });
  });
  afterAll(async () => {
    await hub?.close();
    await app?.close();
  });

  it("scores OpenBookQA in the tab as lm-evaluation-harness does: every item's log-likelihoods within 1e-3, acc and acc_norm the same", async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--no-first-run', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const model = encodeURIComponent(`${hub.base}/cdn/stories260K.gguf`);
      const data = encodeURIComponent(`${hub.base}/data/openbookqa.jsonl`);
      // lm-eval ran the model in float32 with a float32 cache
      await page.goto(`${app.url}eval.html?model=${model}&task=openbookqa&data=${data}&kv=f32&ctx=2048&threads=2`);
      await page.waitForFunction(() => /items, \d+ tokens\/s, about/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 120_000 });
      await page.waitForFunction(() => /^(Done|Error)/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 600_000 });
      expect(await page.textContent('#status')).toMatch(/^Done: 400 items in [\d.]+ s on WebAssembly SIMD128 .*2 threads/);
      const result = JSON.parse((await page.textContent('#result')) ?? '{}') as TaskResult;
      const reference = lmEvalReference('openbookqa');
      expect(result.n).toBe(reference.length);
      const { worst, mismatches } = compareWithLmEval(result.items, reference);
      expect(mismatches).toEqual([]);
      expect(worst).toBeLessThan(1e-3);
      const summary = lmEvalSummary('openbookqa');
      expect(result.metrics.acc!.value).toBeCloseTo(summary.acc, 10);
      expect(result.metrics.acc_norm!.value).toBeCloseTo(summary.acc_norm!, 10);
      // the table shows the paper's columns
      expect(await page.locator('#results tr').count()).toBe(2);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 900_000);
});
