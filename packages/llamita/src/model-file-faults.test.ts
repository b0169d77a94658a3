import { copyFileSync, mkdtempSync, openSync, rmSync, truncateSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JsBackend, jsBackend } from '@llamita/backend-js';
import { fileSource } from '@llamita/model/node';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';
import { loadModel, type Engine } from './index.js';

const have = fixturesAvailable();
const dir = mkdtempSync(join(tmpdir(), 'llamita-faults-'));

/** An engine over a copy of stories260K that the test may then change. */
async function engineOverCopy(name: string): Promise<{ engine: Engine; path: string }> {
  const path = join(dir, name);
  copyFileSync(fixturePath('stories260K/stories260K.gguf'), path);
  return { engine: await loadModel(await fileSource(path), { backend: jsBackend, contextSize: 64 }), path };
}

const greedy = async (engine: Engine) => {
  let text = '';
  for await (const step of engine.generate('', { temperature: 0, maxTokens: 24 })) text += step.text;
  return text;
};

// An engine re-reads its weights from the file when it moves to another backend.
describe.skipIf(!have)(`a model file that changes under a running engine${have ? '' : ' (skipped: ../shared/fixtures not found)'}`, () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['cut short', (path: string) => truncateSync(path, 1000)],
    [
      'rewritten in place (same size)',
      (path: string) => {
        const fd = openSync(path, 'r+');
        writeSync(fd, new Uint8Array(64).fill(7), 0, 64, 4096);
        closeSync(fd);
      },
    ],
  ])('%s: moving refuses with E_BAD_FILE, and the engine goes on where it was, exact', async (name, change) => {
    const { engine, path } = await engineOverCopy(`${name.replace(/\W/g, '-')}.gguf`);
    const before = await greedy(engine);
    change(path);
    const target = new JsBackend();
    await expect(engine.moveTo(target)).rejects.toMatchObject({ code: 'E_BAD_FILE' });
    target.dispose();
    expect(await greedy(engine)).toBe(before);
    engine.dispose();
  });

  it('deleted: the open file still reads, so moving works and the output is unchanged', async () => {
    const { engine, path } = await engineOverCopy('deleted.gguf');
    const before = await greedy(engine);
    unlinkSync(path);
    await engine.moveTo(new JsBackend(), { adopt: true });
    expect(await greedy(engine)).toBe(before);
    engine.dispose();
  });
});
