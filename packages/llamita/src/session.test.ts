import { describe, expect, it } from 'vitest';
import { JsBackend, jsBackend } from '@llamita/backend-js';
import { wasmBackend } from '@llamita/backend-wasm';
import { createWebGpuBackendFactory } from '@llamita/backend-webgpu';
import { dawnGpu } from '@llamita/backend-webgpu/node';
import { LlamitaError, type BackendFactory, type Tensor } from '@llamita/core';
import { fileSource } from '@llamita/model/node';
import { fixturePath, fixturesAvailable, quantExpectations, useSwiftShaderUnlessConfigured } from '@llamita/testkit';
import { loadModel, type Engine } from './engine.js';
import type { GenerateOptions, Session } from './session.js';

const have = fixturesAvailable();
useSwiftShaderUnlessConfigured();
const webgpu = createWebGpuBackendFactory({ gpu: dawnGpu, allowSoftwareAdapter: true });
const webgpuHere = have && (await webgpu.probe()).ok;
// llama.cpp's greedy ids on the F32 fixture: BOS + "Once upon a time", then up to 32 tokens
const f32 = have ? quantExpectations().find((e) => e.file === 'q-F32.gguf')! : undefined;
const open = async (backend = jsBackend as Parameters<typeof loadModel>[1]['backend'], file = 'quant/q-F32.gguf', batchSize?: number, contextSize = 64) =>
  loadModel(await fileSource(fixturePath(file)), { backend, contextSize, ...(batchSize !== undefined && { batchSize }) });
const greedy: GenerateOptions = { temperature: 0, stopAtEos: false };

async function ids(session: Session | Engine, prompt: readonly number[], options: GenerateOptions): Promise<number[]> {
  const out: number[] = [];
  for await (const { id } of session.generate(prompt, options)) if (id >= 0) out.push(id);
  return out;
}

describe.skipIf(!have)(`sessions${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  it("a prompt that extends the session's tokens evaluates only the rest, and continues on llama.cpp's greedy path", async () => {
    const { prompt, gen } = f32!.greedy;
    const engine = await open();
    const session = engine.createSession();
    expect(await ids(session, prompt, { ...greedy, maxTokens: 8 })).toEqual(gen.slice(0, 8));
    expect(session.stats).toMatchObject({ promptTokens: prompt.length, cachedTokens: 0, generatedTokens: 8, finishReason: 'length' });
    // the cache holds the prompt and every generated id but the last
    expect(session.tokens).toEqual([...prompt, ...gen.slice(0, 7)]);
    const longer = [...prompt, ...gen.slice(0, 12)];
    expect(await ids(session, longer, { ...greedy, maxTokens: 8 })).toEqual(gen.slice(12, 20));
    expect(session.stats.cachedTokens).toBe(prompt.length + 7);
    // a prompt that leaves the session's path keeps the common prefix only
    expect(await ids(session, prompt, { ...greedy, maxTokens: 4 })).toEqual(gen.slice(0, 4));
    expect(session.stats.cachedTokens).toBe(prompt.length - 1);
    engine.dispose();
  });

  it('sessions on one engine take turns with the cache and give what each would alone', async () => {
    const { prompt, gen } = f32!.greedy;
    const engine = await open();
    const a = engine.createSession();
    const b = engine.createSession();
    const other = [prompt[0]!, ...gen.slice(5, 9)];
    const alone = await ids(await open(), other, { ...greedy, maxTokens: 6 });
    expect(await ids(a, prompt, { ...greedy, maxTokens: 6 })).toEqual(gen.slice(0, 6));
    expect(await ids(b, other, { ...greedy, maxTokens: 6 })).toEqual(alone);
    expect(await ids(a, [...prompt, ...gen.slice(0, 10)], { ...greedy, maxTokens: 6 })).toEqual(gen.slice(10, 16));
    // a's rows came back from the host: only the new tokens were evaluated
    expect(a.stats.cachedTokens).toBe(prompt.length + 5);
    engine.dispose();
  });

  it('abort between prefill batches: a typed E_ABORTED, the batches done kept, the session usable', async () => {
    const { prompt, gen } = f32!.greedy;
    const controller = new AbortController();
    // a js backend that aborts when the first prefill batch is read back
    class AbortingBackend extends JsBackend {
      override read(t: Tensor) {
        controller.abort(new Error('stop'));
        return super.read(t);
      }
    }
    const long = [...prompt, ...gen.slice(0, 20)];
    const engine = await open(new AbortingBackend(), 'quant/q-F32.gguf', 8);
    const session = engine.createSession();
    await expect(ids(session, long, { ...greedy, maxTokens: 4, signal: controller.signal })).rejects.toMatchObject({ name: 'LlamitaError', code: 'E_ABORTED' });
    expect(session.tokens).toEqual(long.slice(0, 8));
    expect(await ids(session, long, { ...greedy, maxTokens: 4 })).toEqual(gen.slice(20, 24));
    expect(session.stats.cachedTokens).toBe(8);
    engine.dispose();
  });

  it('abort between tokens ends with E_ABORTED; the next generation is exact', async () => {
    const { prompt, gen } = f32!.greedy;
    const engine = await open();
    const session = engine.createSession();
    const controller = new AbortController();
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const { id } of session.generate(prompt, { ...greedy, maxTokens: 20, signal: controller.signal })) {
          seen.push(id);
          if (seen.length === 3) controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ code: 'E_ABORTED' });
    expect(seen).toEqual(gen.slice(0, 3));
    expect(await ids(session, prompt, { ...greedy, maxTokens: 10 })).toEqual(gen.slice(0, 10));
    engine.dispose();
  });

  it('save and restore: another engine (and backend) goes on exactly; foreign and corrupt blobs are refused', async () => {
    const { prompt, gen } = f32!.greedy;
    const engine = await open();
    const session = engine.createSession();
    await ids(session, prompt, { ...greedy, maxTokens: 10 });
    const bytes = await engine.saveSession(session);
    const next = [...prompt, ...gen.slice(0, 10)];
    for (const backend of [jsBackend, wasmBackend]) {
      const other = await open(backend);
      const restored = await other.restoreSession(bytes);
      expect(restored.tokens).toEqual(session.tokens);
      expect(await ids(restored, next, { ...greedy, maxTokens: 10 })).toEqual(gen.slice(10, 20));
      expect(restored.stats.cachedTokens).toBe(prompt.length + 9);
      other.dispose();
    }
    const stories = await open(jsBackend, 'stories260K/stories260K.gguf');
    await expect(stories.restoreSession(bytes)).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringMatching(/another model/) });
    stories.dispose();
    const altered = bytes.slice();
    altered[altered.length - 3]! ^= 0x40;
    await expect(engine.restoreSession(altered)).rejects.toMatchObject({ code: 'E_BAD_FILE', message: expect.stringMatching(/checksum/) });
    await expect(engine.restoreSession(bytes.subarray(0, bytes.length - 100))).rejects.toMatchObject({ code: 'E_BAD_FILE', message: expect.stringMatching(/truncated/) });
    await expect(engine.restoreSession(new TextEncoder().encode('GGUF not a session'))).rejects.toMatchObject({ code: 'E_BAD_FILE' });
    engine.dispose();
  });

  it('a greedy chat moved js → wasm after turn 2 and back after turn 3 replies as one that stayed (F32, exact)', async () => {
    const turns = ['Hi', 'Tell me a story', 'And then?', 'How does it end?'];
    const chat = async (moves: Record<number, typeof jsBackend>) => {
      const engine = await open(jsBackend, 'stories260K/stories260K.gguf', undefined, 512);
      const session = engine.createSession();
      const messages: { role: string; content: string }[] = [];
      const replies: string[] = [];
      for (const [i, turn] of turns.entries()) {
        const move = moves[i];
        if (move) await engine.moveTo(await move.create(), { adopt: true });
        messages.push({ role: 'user', content: turn });
        let reply = '';
        for await (const { text } of session.generate(engine.chatTokens(messages), { ...greedy, maxTokens: 10 })) reply += text;
        messages.push({ role: 'assistant', content: reply });
        replies.push(`${engine.model.backend.info.name}: ${reply}`);
      }
      engine.dispose();
      return replies;
    };
    const stayed = await chat({});
    const moved = await chat({ 2: wasmBackend, 3: jsBackend });
    expect(moved.map((r) => r.split(':')[0])).toEqual(['js', 'js', 'wasm', 'js']);
    expect(moved.map((r) => r.slice(r.indexOf(':')))).toEqual(stayed.map((r) => r.slice(r.indexOf(':'))));
  });

  it.skipIf(!webgpuHere)('a conversation moved to webgpu goes on within its numerics (SwiftShader without a GPU)', async () => {
    const { prompt, gen } = f32!.greedy;
    const stay = await open();
    const move = await open();
    const moving = move.createSession();
    const staying = stay.createSession();
    await ids(moving, prompt, { ...greedy, maxTokens: 6 });
    await ids(staying, prompt, { ...greedy, maxTokens: 6 });
    const gpu = await webgpu.create();
    await move.moveTo(gpu, { adopt: true });
    const next = [...prompt, ...gen.slice(0, 6)];
    const logprobs = async (s: Session) => {
      const out: number[] = [];
      for await (const t of s.generate(next, { ...greedy, maxTokens: 8, logprobs: 0 })) if (t.logprob !== undefined) out.push(t.logprob);
      return out;
    };
    const onGpu = await logprobs(moving);
    expect(moving.stats.cachedTokens).toBe(prompt.length + 5);
    const onJs = await logprobs(staying);
    const tolerance = gpu.info.numerics.logProbTolerance;
    onGpu.forEach((lp, i) => expect(Math.abs(lp - onJs[i]!)).toBeLessThanOrEqual(tolerance));
    move.dispose();
    stay.dispose();
  });

  it("a backend that fails mid-generation: the engine moves to the next backend, replays the tokens, and the ids stay llama.cpp's", async () => {
    const { prompt, gen } = f32!.greedy;
    let reads = 0;
    // a js backend whose device is lost at its 6th read back
    class LosingBackend extends JsBackend {
      override readonly info = { ...new JsBackend().info, name: 'losing' };
      override read(t: Tensor) {
        if (++reads >= 6) return Promise.reject(new LlamitaError('E_BACKEND_UNAVAILABLE', 'the device was lost (test)'));
        return super.read(t);
      }
    }
    const losing: BackendFactory = { name: 'losing', probe: async () => ({ ok: true, description: 'loses its device' }), create: async () => new LosingBackend() };
    const events: unknown[] = [];
    const engine = await loadModel(await fileSource(fixturePath('quant/q-F32.gguf')), { backend: [losing, jsBackend], contextSize: 64, onFailover: (e) => events.push(e) });
    expect(engine.backendChoice.name).toBe('losing');
    const session = engine.createSession();
    expect(await ids(session, prompt, { ...greedy, maxTokens: 16 })).toEqual(gen.slice(0, 16));
    expect(session.stats.failovers).toBe(1);
    expect(events).toEqual([{ from: 'losing', to: 'js', reason: 'the device was lost (test)' }]);
    expect(engine.backendChoice).toMatchObject({ name: 'js', skipped: [{ name: 'losing', reason: expect.stringMatching(/failed: the device was lost/) }] });
    // the session goes on on js with its cache rebuilt
    expect(await ids(session, [...prompt, ...gen.slice(0, 16)], { ...greedy, maxTokens: 8 })).toEqual(gen.slice(16, 24));
    expect(session.stats.cachedTokens).toBe(prompt.length + 15);
    engine.dispose();
  });

  it.skipIf(!webgpuHere)('a WebGPU device lost mid-generation (destroyed): the reply goes on on the next backend with the same ids', async () => {
    const { prompt, gen } = f32!.greedy;
    const events: { from: string; to: string }[] = [];
    const engine = await loadModel(await fileSource(fixturePath('quant/q-F32.gguf')), { backend: [webgpu, jsBackend], contextSize: 64, onFailover: (e) => events.push(e) });
    expect(engine.backendChoice.name).toBe('webgpu');
    const session = engine.createSession();
    const out: number[] = [];
    for await (const { id } of session.generate(prompt, { ...greedy, maxTokens: 12 })) {
      out.push(id);
      if (out.length === 4) (engine.model.backend as unknown as { device: GPUDevice }).device.destroy();
    }
    expect(out).toEqual(gen.slice(0, 12));
    expect(events).toMatchObject([{ from: 'webgpu', to: 'js' }]);
    expect(session.stats.failovers).toBe(1);
    engine.dispose();
  });
});
