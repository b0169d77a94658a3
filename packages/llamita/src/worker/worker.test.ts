import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { connectWorkerEngine, createWorkerEngine, nodeEndpoint, type WorkerEngine } from '../worker.js';

const built = existsSync(fileURLToPath(new URL('../../dist/worker.js', import.meta.url)));
const missing = !fixturesAvailable() ? '../shared/fixtures not found' : !built ? 'packages/llamita is not built (pnpm build)' : '';
const stories = fixturePath('stories260K/stories260K.gguf');
const greedy256 = () => readFileSync(fixturePath('stories260K/greedy-256.txt'), 'utf8');

describe.skipIf(missing !== '')(`an engine in a Node worker thread${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let worker: Worker;
  let engine: WorkerEngine;
  const progress: number[] = [];
  beforeAll(async () => {
    worker = new Worker(new URL('./node-test-worker.mjs', import.meta.url));
    engine = await createWorkerEngine(nodeEndpoint(worker), { model: stories, backends: ['js'], contextSize: 512 }, { onProgress: (p) => progress.push(p.loaded) });
  });
  afterAll(async () => {
    await engine?.dispose();
    await worker?.terminate();
  });

  it("loads with progress and generates llama2.c's greedy text, streamed back", async () => {
    expect(progress.length).toBeGreaterThan(0);
    expect(engine.backendChoice.name).toBe('js');
    // stories260K's vocabulary has no chat tokens: its end of sequence (id 2, as in the GGUF) ends a turn
    expect(engine.chatStopTokens).toEqual([2]);
    const session = await engine.createSession();
    let text = '';
    for await (const step of session.generate('', { temperature: 0, maxTokens: 64 })) text += step.text;
    expect(greedy256().startsWith(text)).toBe(true);
    expect(text.length).toBeGreaterThan(100);
    expect((await session.state()).stats).toMatchObject({ generatedTokens: 64, finishReason: 'length' });
  });

  it('aborts across the boundary with the error code kept; the session goes on', async () => {
    const session = await engine.createSession();
    const controller = new AbortController();
    let n = 0;
    await expect(
      (async () => {
        for await (const step of session.generate('', { temperature: 0, maxTokens: 400, signal: controller.signal })) if (step && ++n === 5) controller.abort();
      })(),
    ).rejects.toMatchObject({ name: 'LlamitaError', code: 'E_ABORTED' });
    let text = '';
    for await (const step of session.generate('', { temperature: 0, maxTokens: 32 })) text += step.text;
    expect(greedy256().startsWith(text)).toBe(true);
    await expect(engine.restoreSession(new TextEncoder().encode('not a session'))).rejects.toMatchObject({ name: 'LlamitaError', code: 'E_BAD_FILE' });
  });

  it('the OpenAI-shaped API, streaming and not, gives the same text', async () => {
    const body = { messages: [{ role: 'user' as const, content: 'Tell me about a bird.' }], max_tokens: 24, temperature: 0 };
    const whole = await engine.chat.completions.create(body);
    let streamed = '';
    for await (const chunk of await engine.chat.completions.create({ ...body, stream: true })) streamed += chunk.choices[0]?.delta.content ?? '';
    expect(streamed).toBe(whole.choices[0]!.message.content);
    expect(whole.usage?.completion_tokens).toBe(24);
  });

  it('saves a session, moves to wasm, restores it there and goes on as if it had stayed', async () => {
    const session = await engine.createSession();
    const first = engine.chatTokens([{ role: 'user', content: 'Hello' }]);
    for await (const step of session.generate(await first, { temperature: 0, maxTokens: 16 })) expect(step.text).toBeTypeOf('string');
    const saved = await engine.saveSession(session);
    const next = [...(await session.state()).tokens, 13];
    let stayed = '';
    for await (const s of session.generate(next, { temperature: 0, maxTokens: 16 })) stayed += s.text;
    await engine.moveTo('wasm');
    expect(engine.backendChoice.name).toBe('wasm');
    const restored = await engine.restoreSession(saved);
    let moved = '';
    for await (const s of restored.generate(next, { temperature: 0, maxTokens: 16 })) moved += s.text;
    expect(moved).toBe(stayed);
    expect((await restored.state()).stats.cachedTokens).toBe(next.length - 1);
  });
});

describe.skipIf(missing !== '')(`an engine the worker opened itself (as llamita serve runs its model)${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it("connects without loading; a greedy completion is llama2.c's text", async () => {
    const worker = new Worker(new URL('./node-preloaded-worker.mjs', import.meta.url), { workerData: stories });
    try {
      const engine = await connectWorkerEngine(nodeEndpoint(worker));
      expect(engine.modelName).toBe(stories);
      expect(engine.contextSize).toBe(256);
      const reply = await engine.completions.create({ model: 'x', prompt: '', max_tokens: 48, temperature: 0 });
      expect(greedy256().startsWith(reply.choices[0]!.text)).toBe(true);
      expect(reply.usage?.completion_tokens).toBe(48);
      await engine.dispose();
    } finally {
      await worker.terminate();
    }
  });

  it("a model the worker cannot open: connecting fails with the worker's error, code kept", async () => {
    const worker = new Worker(new URL('./node-preloaded-worker.mjs', import.meta.url), { workerData: '/nonexistent/model.gguf' });
    try {
      await expect(connectWorkerEngine(nodeEndpoint(worker))).rejects.toMatchObject({ name: 'LlamitaError', code: 'E_BAD_FILE', message: expect.stringContaining('/nonexistent/model.gguf') });
    } finally {
      await worker.terminate();
    }
  });
});
