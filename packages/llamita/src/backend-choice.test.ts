import { describe, expect, it } from 'vitest';
import { JsBackend, jsBackend } from '@llamita/backend-js';
import type { Backend, BackendFactory, Op } from '@llamita/core';
import { fileSource } from '@llamita/model/node';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { loadModel } from './engine.js';

const have = fixturesAvailable();
const stories = () => fileSource(fixturePath('stories260K/stories260K.gguf'));

/** A js backend that says it cannot run RoPE, and records whether it was disposed. */
class NoRopeBackend extends JsBackend {
  disposedHere = false;
  override supports(op: Op) {
    return op.op === 'rope' ? { ok: false as const, reason: 'no rope kernel' } : super.supports(op);
  }
  override dispose(): void {
    this.disposedHere = true;
    super.dispose();
  }
}

describe.skipIf(!have)(`choosing a backend${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  it('takes the first factory that probes well and runs every op, saying why it passed over the others', async () => {
    const created: NoRopeBackend[] = [];
    const absent: BackendFactory = { name: 'absent', probe: async () => ({ ok: false, reason: 'not on this machine' }), create: async () => new JsBackend() };
    const partial: BackendFactory = { name: 'partial', probe: async () => ({ ok: true, description: 'part of the op set' }), create: async () => created[created.push(new NoRopeBackend()) - 1]! };
    const engine = await loadModel(await stories(), { backend: [absent, partial, jsBackend], contextSize: 32 });
    expect(engine.backendChoice.name).toBe('js');
    expect(engine.backendChoice.skipped).toEqual([
      { name: 'absent', reason: 'not on this machine' },
      { name: 'partial', reason: expect.stringMatching(/js backend cannot run rope\(f32\[32, 8, 8\], i32\[32\]\) -> f32\[32, 8, 8\]: no rope kernel/) },
    ]);
    // the refused backend was created, asked, and disposed before a byte was uploaded
    expect(created).toHaveLength(1);
    expect(created[0]!.disposedHere).toBe(true);
    engine.dispose();
  });

  it('disposes a backend it created, and leaves one passed in usable', async () => {
    const mine = new NoRopeBackend();
    const refused = await loadModel(await stories(), { backend: mine, contextSize: 32 }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'E_UNSUPPORTED_OP' });
    const passed: Backend = new JsBackend();
    const engine = await loadModel(await stories(), { backend: passed, contextSize: 32 });
    expect(engine.backendChoice).toMatchObject({ name: 'js', skipped: [] });
    engine.dispose();
    // still alive: a new buffer can be made
    expect(() => passed.allocate({ byteLength: 4, usage: 'io' })).not.toThrow();
  });

  it('names every candidate and its reason when none can run the model', async () => {
    const absent: BackendFactory = { name: 'absent', probe: async () => ({ ok: false, reason: 'not on this machine' }), create: async () => new JsBackend() };
    const error = await loadModel(await stories(), { backend: [absent, { ...absent, name: 'gone' }] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'E_BACKEND_UNAVAILABLE', message: expect.stringMatching(/absent: not on this machine; gone: not on this machine/) });
  });
});
