import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsBackend } from '@llamita/backend-js';
import { fileSource } from '@llamita/model/node';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { loadModel, REQUEST_LIMITS, type Engine } from 'llamita';
import { listen, type RunningServer } from './listen.js';

const have = fixturesAvailable();
const stories = () => fileSource(fixturePath('stories260K/stories260K.gguf'));
const CTX = 512;
const messages = [
  { role: 'system' as const, content: 'You tell stories.' },
  { role: 'user' as const, content: 'Tell me about a cat.' },
];

/** What an engine of its own, serving nobody else, gives for a chat request. */
async function alone(request: Parameters<Engine['chat']['completions']['create']>[0] & { stream?: false }): Promise<string> {
  const engine = await loadModel(await stories(), { backend: jsBackend, contextSize: CTX });
  try {
    return (await engine.chat.completions.create(request)).choices[0]!.message.content ?? '';
  } finally {
    engine.dispose();
  }
}

describe.skipIf(!have)(`llamita's OpenAI-compatible server, driven by the official openai client${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  let engine: Engine;
  let server: RunningServer;
  let client: OpenAI;
  beforeAll(async () => {
    engine = await loadModel(await stories(), { backend: jsBackend, contextSize: CTX });
    server = await listen(engine, { port: 0, maxQueue: 8, maxBodyBytes: 64 << 10 });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(async () => {
    await server?.close();
    engine?.dispose();
  });

  it('binds 127.0.0.1 by default and lists its model', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([engine.modelName]);
  });

  it("completions: greedy from the BOS alone is llama2.c's greedy-256.txt", async () => {
    const r = await client.completions.create({ model: 'stories', prompt: '', max_tokens: 256, temperature: 0 });
    expect(`${r.choices[0]!.text}\n`).toBe(readFileSync(fixturePath('stories260K/greedy-256.txt'), 'utf8'));
    expect(r.choices[0]!.finish_reason).toBe('length');
    expect(r.usage).toMatchObject({ prompt_tokens: 1, completion_tokens: 256, total_tokens: 257 });
  });

  it('completions stream: the pieces join into the same text, then usage', async () => {
    const whole = await client.completions.create({ model: 'stories', prompt: 'Once upon a time', max_tokens: 40, temperature: 0 });
    const stream = await client.completions.create({ model: 'stories', prompt: 'Once upon a time', max_tokens: 40, temperature: 0, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    let finish: string | null = null;
    for await (const piece of stream) {
      text += piece.choices[0]?.text ?? '';
      finish = piece.choices[0]?.finish_reason ?? finish;
      usage = piece.usage ?? usage;
    }
    expect(text).toBe(whole.choices[0]!.text);
    expect(finish).toBe('length');
    expect(usage?.completion_tokens).toBe(40);
  });

  it('chat, streaming and not: the same reply as an engine of its own; the second turn prefills only its new tokens', async () => {
    const request = { model: 'stories', messages, max_tokens: 30, temperature: 0 };
    const reply = await client.chat.completions.create(request);
    expect(reply.choices[0]!.message.content).toBe(await alone(request));
    const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    let content = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    expect(content).toBe(reply.choices[0]!.message.content);
    // the same prompt again: all of it but the last token is found in the cache
    expect(usage?.prompt_tokens_details?.cached_tokens).toBe(usage!.prompt_tokens - 1);
    const next = [...messages, { role: 'assistant' as const, content }, { role: 'user' as const, content: 'And then?' }];
    const second = await client.chat.completions.create({ ...request, messages: next });
    // the cache holds the first turn's prompt and reply: at least the prompt is found there (the reply's text may
    // tokenize otherwise than the ids generated), so only the reply and the new message are evaluated
    expect(second.usage!.prompt_tokens_details!.cached_tokens).toBeGreaterThanOrEqual(usage!.prompt_tokens);
    expect(second.usage!.prompt_tokens - second.usage!.prompt_tokens_details!.cached_tokens!).toBeLessThanOrEqual(30 + engine.chatTokens([{ role: 'user', content: 'And then?' }]).length);
  });

  it('concurrent clients each get what they would get alone (same seed, same text)', async () => {
    const requests = [1, 2, 3, 4].map((seed) => ({ model: 'stories', messages: [{ role: 'user' as const, content: `Story number ${seed}` }], max_tokens: 24, temperature: 0.9, seed }));
    const together = await Promise.all(requests.map((r) => client.chat.completions.create(r)));
    for (const [i, r] of requests.entries()) expect(together[i]!.choices[0]!.message.content).toBe(await alone(r));
  });

  it('a client that aborts mid-stream aborts its generation; the next request is exact', async () => {
    const controller = new AbortController();
    const stream = await client.chat.completions.create({ model: 'stories', messages, max_tokens: 450, temperature: 0, stream: true }, { signal: controller.signal });
    let chunks = 0;
    // the openai client ends the iteration quietly or with an abort error, by version
    await (async () => {
      for await (const chunk of stream) if (chunk && ++chunks === 3) controller.abort();
    })().catch((e: unknown) => expect(String(e)).toMatch(/abort/i));
    for (let i = 0; i < 100 && (await (await fetch(`${server.url}/health`)).json()).in_flight > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await (await fetch(`${server.url}/health`)).json()).in_flight).toBe(0);
    // the server stopped generating when the client left, long before max_tokens
    expect(engine.sharedSession.stats.generatedTokens).toBeLessThan(450);
    const request = { model: 'stories', messages, max_tokens: 30, temperature: 0 };
    expect((await client.chat.completions.create(request)).choices[0]!.message.content).toBe(await alone(request));
  });

  it('logprobs and JSON output', async () => {
    const r = await client.chat.completions.create({ model: 'stories', messages, max_tokens: 5, temperature: 0, logprobs: true, top_logprobs: 3 });
    const lp = r.choices[0]!.logprobs!.content!;
    expect(lp).toHaveLength(5);
    for (const t of lp) {
      expect(t.top_logprobs).toHaveLength(3);
      // greedy: the chosen token is the most likely one
      expect(t.logprob).toBeCloseTo(t.top_logprobs[0]!.logprob, 6);
    }
    const j = await client.chat.completions.create({ model: 'stories', messages, max_tokens: 40, temperature: 0, response_format: { type: 'json_object' } });
    expect(() => JSON.parse(j.choices[0]!.message.content!)).not.toThrow();
  });

  it.each([
    ['malformed JSON', '{"messages": [', 400, /not JSON/],
    ['a wrong type', JSON.stringify({ messages, temperature: 'hot' }), 400, /temperature/],
    ['an out-of-range value', JSON.stringify({ messages, top_p: 3 }), 400, /top_p/],
    ['a field llamita does not support', JSON.stringify({ messages, tools: [] }), 400, /tools: not supported/],
    ['no messages', JSON.stringify({ messages: [] }), 400, /messages/],
    ['a prompt longer than the context', JSON.stringify({ messages: [{ role: 'user', content: 'story '.repeat(400) }] }), 400, /context/],
    ['a body over the limit', JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(70 << 10) }] }), 413, /over/],
    ['more messages than REQUEST_LIMITS allows', JSON.stringify({ messages: Array.from({ length: REQUEST_LIMITS.messages + 1 }, () => ({ role: 'user', content: 'x' })) }), 400, /messages/],
    ['too many stop strings', JSON.stringify({ messages, stop: Array.from({ length: REQUEST_LIMITS.stopStrings + 1 }, (_, i) => `s${i}`) }), 400, /stop/],
    ['too many logit_bias entries', JSON.stringify({ messages, logit_bias: Object.fromEntries(Array.from({ length: REQUEST_LIMITS.logitBias + 1 }, (_, i) => [String(i), 1])) }), 400, /logit_bias/],
    ['a max_tokens past any context', JSON.stringify({ messages, max_tokens: 1e12 }), 400, /max_tokens/],
  ])('refuses %s with %i and an OpenAI-shaped error', async (_what, body, status, message) => {
    const r = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(r.status).toBe(status);
    const error = ((await r.json()) as { error: { message: string; type: string } }).error;
    expect(error.message).toMatch(message);
    expect(error.type).toBe('invalid_request_error');
  });

  it('the openai client sees a bad request as APIError 400', async () => {
    await expect(client.chat.completions.create({ model: 'stories', messages, temperature: 7 })).rejects.toMatchObject({ status: 400 });
  });

  it('refuses other hosts (DNS rebinding) and cross-site origins', async () => {
    const post = (headers: Record<string, string>) => fetch(`${server.url}/v1/models`, { headers });
    // fetch sets Host itself: a raw request sends the one a rebinding attacker's page would
    const { port } = new URL(server.url);
    const status = await new Promise<number>((resolve, reject) =>
      request({ host: '127.0.0.1', port, path: '/v1/models', headers: { host: `attacker.example:${port}` } }, (r) => resolve(r.statusCode ?? 0))
        .on('error', reject)
        .end(),
    );
    expect(status).toBe(403);
    expect((await post({ origin: 'https://attacker.example' })).status).toBe(403);
    expect((await post({ origin: server.url })).status).toBe(200);
  });
});

describe.skipIf(!have)(`the server's limits and keys${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  it('with an API key, requests without it get 401; with it, 200', async () => {
    const engine = await loadModel(await stories(), { backend: jsBackend, contextSize: CTX });
    const server = await listen(engine, { port: 0, apiKey: 'sesame' });
    try {
      expect((await fetch(`${server.url}/v1/models`)).status).toBe(401);
      expect((await fetch(`${server.url}/v1/models`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sesame', maxRetries: 0 });
      expect((await client.models.list()).data).toHaveLength(1);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      await server.close();
      engine.dispose();
    }
  });

  it('a full queue answers 429; CORS lets an allowed origin in', async () => {
    const engine = await loadModel(await stories(), { backend: jsBackend, contextSize: CTX });
    const server = await listen(engine, { port: 0, maxQueue: 0, corsOrigins: ['https://app.example'] });
    try {
      // long enough that the first is still generating (and yielding the thread) when the others arrive
      const body = JSON.stringify({ prompt: 'Once', max_tokens: 500, temperature: 0 });
      const post = () => fetch(`${server.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const statuses = (await Promise.all([post(), post(), post()])).map((r) => r.status).sort();
      expect(statuses).toContain(200);
      expect(statuses).toContain(429);
      const preflight = await fetch(`${server.url}/v1/completions`, { method: 'OPTIONS', headers: { origin: 'https://app.example' } });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    } finally {
      await server.close();
      engine.dispose();
    }
  });
});
