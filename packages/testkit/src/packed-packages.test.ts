import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, fixturesAvailable } from './fixtures.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const unbuilt = readdirSync(join(root, 'packages')).filter((dir) => {
  const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as { private?: boolean };
  return !pkg.private && !existsSync(join(root, 'packages', dir, 'dist'));
});
const missing = !fixturesAvailable() ? '../shared/fixtures not found' : unbuilt.length ? `not built: ${unbuilt.join(', ')} (pnpm build)` : '';

/** The TypeScript examples of the README, in order. */
const readmeExamples = [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe.skipIf(missing !== '')(`the packed packages, installed outside the monorepo${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let project: string;
  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'llamita-consumer-'));
    execFileSync(process.execPath, [join(root, 'scripts/install-packed.mjs'), project], { stdio: 'pipe' });
    copyFileSync(fixturePath('stories260K/stories260K.gguf'), join(project, 'model.gguf'));
    copyFileSync(fixturePath('llama-spm-vocab/ggml-vocab-llama-spm.gguf'), join(project, 'tokenizer-or-model.gguf'));
  }, 300_000);

  /** Runs `source` (TypeScript, as a user would compile it) as a module of the project; stdout and the exit status. */
  function run(name: string, source: string) {
    const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    writeFileSync(join(project, `${name}.mjs`), js);
    return spawnSync(process.execPath, [`${name}.mjs`], { cwd: project, encoding: 'utf8', timeout: 120_000 });
  }

  it('the README has the examples this test runs', () => {
    expect(readmeExamples.length).toBeGreaterThanOrEqual(4);
  });

  it.each(readmeExamples.map((source, i) => [i + 1, source] as const))('README example %i runs unchanged', (i, source) => {
    const r = run(`readme-${i}`, source);
    expect(r.stderr).not.toMatch(/Error|ERR_/);
    expect(r.status).toBe(0);
    expect(r.stdout.length).toBeGreaterThan(0);
    if (source.includes('tokenizer.encode')) expect(r.stdout).toContain('[ 1, 15043, 3186 ]');
    if (source.includes('createSession')) expect(Number(/(\d+) of \d+ prompt tokens came from the cache/.exec(r.stdout)?.[1])).toBeGreaterThan(0);
    if (source.includes('chat.completions')) expect(r.stdout).toMatch(/prompt_tokens: \d+/);
  });

  it('every entry point of every public package loads from the tarballs', () => {
    const entries = [
      'llamita',
      'llamita/worker',
      '@llamita/server',
      '@llamita/eval',
      '@llamita/core',
      '@llamita/tensor',
      '@llamita/tokenizer',
      '@llamita/model',
      '@llamita/model/node',
      '@llamita/model/synthetic',
      '@llamita/sampling',
      '@llamita/backend-js',
      '@llamita/backend-wasm',
      '@llamita/backend-webgpu',
      '@llamita/backend-webgpu/node',
    ];
    const r = run(
      'entries',
      `for (const e of ${JSON.stringify(entries)}) { const m = await import(e); if (Object.keys(m).length === 0) throw new Error(e + ' exports nothing'); }\nconsole.log('ok');`,
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('ok');
  });
});
