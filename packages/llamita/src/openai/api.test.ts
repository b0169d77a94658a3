import { readFileSync } from 'node:fs';
import type OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { jsBackend } from '@llamita/backend-js';
import { fileSource } from '@llamita/model/node';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { loadModel, type Engine } from '../engine.js';
import type { ChatCompletionRequest, CompletionRequest } from './request-types.js';
import type { chatCompletionRequest, completionRequest } from './requests.js';

describe('request types', () => {
  it('every body the documented types allow has the shape the run-time schemas take', () => {
    expectTypeOf<ChatCompletionRequest>().toExtend<z.input<typeof chatCompletionRequest>>();
    expectTypeOf<CompletionRequest>().toExtend<z.input<typeof completionRequest>>();
    expectTypeOf<z.output<typeof chatCompletionRequest>>().toExtend<ChatCompletionRequest>();
    expectTypeOf<z.output<typeof completionRequest>>().toExtend<CompletionRequest>();
  });
});

const have = fixturesAvailable();
const messages = [{ role: 'user' as const, content: 'Tell me a story about a dog.' }];

describe.skipIf(!have)(`the OpenAI-shaped API in process${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await loadModel(await fileSource(fixturePath('stories260K/stories260K.gguf')), { backend: jsBackend, contextSize: 512 });
  });
  afterAll(() => engine?.dispose());

  it("completions: greedy from the BOS alone is llama2.c's greedy-256.txt; the response is an openai Completion", async () => {
    const r: OpenAI.Completions.Completion = await engine.completions.create({ prompt: '', max_tokens: 256, temperature: 0 });
    expect(`${r.choices[0]!.text}\n`).toBe(readFileSync(fixturePath('stories260K/greedy-256.txt'), 'utf8'));
    expect(r).toMatchObject({ object: 'text_completion', usage: { prompt_tokens: 1, completion_tokens: 256 } });
  });

  it('chat: the reply is the greedy continuation of the chat-formatted prompt; the response is an openai ChatCompletion', async () => {
    const r: OpenAI.Chat.Completions.ChatCompletion = await engine.chat.completions.create({ messages, max_tokens: 20, temperature: 0 });
    let expected = '';
    for await (const { text } of engine.generate(engine.chatTokens(messages), { temperature: 0, maxTokens: 20, stopTokens: engine.chatFormat.stopTokens })) expected += text;
    expect(r.choices[0]!.message).toEqual({ role: 'assistant', content: expected, refusal: null });
    expect(r.choices[0]!.finish_reason).toBe('length');
  });

  it('streams chunks typed as openai ChatCompletionChunk, usage last', async () => {
    const stream = await engine.chat.completions.create({ messages, max_tokens: 12, temperature: 0, stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe('length');
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage?.completion_tokens).toBe(12);
    const whole = await engine.chat.completions.create({ messages, max_tokens: 12, temperature: 0 });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(whole.choices[0]!.message.content);
  });

  it("logprobs are the model's log-softmax: the chosen token's and the top alternatives'", async () => {
    const r = await engine.completions.create({ prompt: 'Once upon a time', max_tokens: 1, temperature: 0, logprobs: 3 });
    const logits = await (async () => {
      engine.model.reset();
      return engine.model.evaluate(engine.tokenizer.encode('Once upon a time'));
    })();
    const max = Math.max(...logits);
    const logZ = max + Math.log(logits.reduce((s, x) => s + Math.exp(x - max), 0));
    const ranked = [...logits.keys()].sort((a, b) => logits[b]! - logits[a]!);
    const lp = r.choices[0]!.logprobs!;
    expect(lp.token_logprobs[0]).toBeCloseTo(logits[ranked[0]!]! - logZ, 5);
    expect(Object.values(lp.top_logprobs[0]!)).toHaveLength(3);
    ranked.slice(0, 3).forEach((id, i) => expect(Object.values(lp.top_logprobs[0]!)[i]).toBeCloseTo(logits[id]! - logZ, 5));
  });

  it('stop strings end the reply with finish reason stop; seeds repeat; llama.cpp sampling fields are taken', async () => {
    const full = await engine.completions.create({ prompt: 'Once upon a time', max_tokens: 60, temperature: 0 });
    const text = full.choices[0]!.text;
    const word = text.trim().split(/\s+/)[3]!;
    const stopped = await engine.completions.create({ prompt: 'Once upon a time', max_tokens: 60, temperature: 0, stop: [word] });
    expect(stopped.choices[0]).toMatchObject({ text: text.slice(0, text.indexOf(word)), finish_reason: 'stop' });
    const sampled = { prompt: 'Once upon a time', max_tokens: 30, temperature: 1, seed: 42, top_k: 20, min_p: 0.02, repeat_penalty: 1.1 };
    expect((await engine.completions.create(sampled)).choices[0]!.text).toBe((await engine.completions.create(sampled)).choices[0]!.text);
  });

  it('response_format json_schema gives a document with the required fields', async () => {
    const schema = { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'] };
    const r = await engine.chat.completions.create({ messages, max_tokens: 40, temperature: 0.8, seed: 3, response_format: { type: 'json_schema', json_schema: { name: 'person', schema } } });
    const doc = JSON.parse(r.choices[0]!.message.content!);
    expect(typeof doc.name).toBe('string');
    expect(Number.isInteger(doc.age)).toBe(true);
  });

  it.each([
    [{ messages, tools: [] }, /tools: not supported/],
    [{ messages, n: 2 }, /n:/],
    [{ messages, temperature: -1 }, /temperature/],
    [{ messages: [{ role: 'tool', content: 'x' }] }, /messages\.0\.role/],
    [{ messages, logit_bias: { '99999': 5 } }, /outside the vocabulary/],
    [{ messages: [{ role: 'user', content: 'story '.repeat(600) }] }, /context/],
  ])('refuses %j with a clear typed error', async (body, message) => {
    await expect(engine.chat.completions.create(body as never)).rejects.toMatchObject({ name: 'LlamitaError', message: expect.stringMatching(message) });
  });
});
