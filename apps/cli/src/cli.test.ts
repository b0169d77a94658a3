import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixturePath, fixturesAvailable } from '@llamita/testkit';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
/** Debian chromium's software Vulkan driver (CI installs it): WebGPU without a GPU. */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const missing = !existsSync(main) ? 'apps/cli is not built (pnpm build)' : !fixturesAvailable() ? '../shared/fixtures not found' : '';
const llamita = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...process.env, LLAMITA_CACHE: '/nonexistent-cache' } });

describe.skipIf(missing !== '')(`llamita CLI${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const stories = fixturePath('stories260K/stories260K.gguf');

  it("run: greedy text for an empty prompt is exactly llama2.c's greedy-256.txt", () => {
    const r = llamita('run', '--model', stories, '--prompt', '', '--max-tokens', '256', '--temperature', '0');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(fixturePath('stories260K/greedy-256.txt'), 'utf8'));
    expect(r.stderr).toMatch(/256 generated/);
    // no --backend: the best that runs here (no GPU adapter here, or only a software one: wasm), said on stderr
    expect(r.stderr).toMatch(/backend webgpu skipped: (WebGPU gave no adapter|.* is a software adapter)/);
    expect(r.stderr).toMatch(/backend: wasm \(WebAssembly SIMD128/);
  });

  it('run --backend webgpu: the same greedy-256.txt, through Dawn (SwiftShader where there is no GPU)', () => {
    const env = { ...process.env, LLAMITA_CACHE: '/nonexistent-cache', VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? SWIFTSHADER_ICD };
    const r = spawnSync(process.execPath, [main, 'run', '--model', stories, '--backend', 'webgpu', '--max-tokens', '256', '--temperature', '0'], { encoding: 'utf8', env });
    expect(r.stderr).toMatch(/backend: webgpu \(WebGPU /);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(readFileSync(fixturePath('stories260K/greedy-256.txt'), 'utf8'));
  });

  it('run --json: text, prompt ids, generated ids, timings; same seed, same tokens', () => {
    const args = ['run', '--model', stories, '--prompt', 'Once upon a time', '--max-tokens', '12', '--temperature', '0.9', '--seed', '5', '--json'];
    const a = JSON.parse(llamita(...args).stdout);
    const b = JSON.parse(llamita(...args).stdout);
    expect(a.prompt_tokens).toEqual([1, 403, 407, 261, 378]);
    expect(a.tokens).toHaveLength(12);
    expect(a.tokens).toEqual(b.tokens);
    expect(Object.keys(a.timings).sort()).toEqual(['decode_tok_s', 'load_ms', 'prefill_tok_s']);
  });

  it('run --stop ends before the stop string, which is not printed; --logit-bias bans a token', () => {
    const base = ['run', '--model', stories, '--prompt', 'Once upon a time', '--max-tokens', '60', '--temperature', '0'];
    const full = llamita(...base).stdout;
    expect(full).toContain('Lily');
    const stopped = llamita(...base, '--stop', 'Lily');
    expect(stopped.status).toBe(0);
    expect(stopped.stdout.trimEnd()).toBe(full.slice(0, full.indexOf('Lily')).trimEnd());
    const firstId = JSON.parse(llamita(...base, '--json').stdout).tokens[0];
    const banned = JSON.parse(llamita(...base, '--json', '--logit-bias', `${firstId}=-inf`).stdout);
    expect(banned.tokens).not.toContain(firstId);
  });

  it('run --json-schema: the output parses and has the required fields, at high temperature', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llamita-schema-'));
    const schemaPath = join(dir, 'schema.json');
    writeFileSync(schemaPath, JSON.stringify({ type: 'object', properties: { title: { type: 'string' }, stars: { type: 'integer' } }, required: ['title', 'stars'] }));
    for (const seed of ['1', '2']) {
      const r = llamita('run', '--model', stories, '--prompt', 'A review:', '--max-tokens', '30', '--temperature', '1.8', '--seed', seed, '--json-schema', schemaPath);
      expect(r.status).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(typeof doc.title).toBe('string');
      expect(Number.isInteger(doc.stars)).toBe(true);
    }
  });

  it('bench --json reports medians and spreads on each backend', () => {
    for (const backend of ['js', 'wasm']) {
      const r = llamita('bench', '--model', stories, '--backend', backend, '--prompt-tokens', '16', '--gen-tokens', '8', '--repeats', '2', '--json');
      expect(r.status).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j).toMatchObject({ backend, prompt_tokens: 16, gen_tokens: 8, repeats: 2 });
      expect(j.prefill_tok_s).toBeGreaterThan(0);
      expect(j.decode_spread[0]).toBeLessThanOrEqual(j.decode_spread[1]);
    }
  });

  it('perplexity --json and score --json', () => {
    const text = fixturePath('quant/text.txt');
    const ppl = JSON.parse(llamita('perplexity', '--model', fixturePath('quant/q-F32.gguf'), '--file', text, '--ctx', '64', '--json').stdout);
    expect(ppl.ppl).toBeCloseTo(617.4681, 1);
    expect(ppl).toMatchObject({ chunks: 7, tokens: 217 });
    const s = JSON.parse(llamita('score', '--model', stories, '--file', text, '--max-tokens', '20', '--json').stdout);
    expect(s.tokens).toHaveLength(20);
    expect(s.logprobs).toHaveLength(19);
    expect(s.top1).toHaveLength(19);
  });

  it("run --ctx 64: greedy past the context by context shift gives llama.cpp's ids (llama-cli -c 64 -n 200 --temp 0)", () => {
    const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../../../packages/llamita/src/goldens/llama-cpp-context-shift.json', import.meta.url)), 'utf8'));
    const base = ['run', '--model', stories, '--prompt', golden.prompt_text, '--ctx', '64', '--max-tokens', '200', '--temperature', '0', '--backend', 'wasm', '--json'];
    const shifted = JSON.parse(llamita(...base).stdout);
    expect(shifted.tokens).toEqual(golden.gen);
    expect(shifted).toMatchObject({ finish_reason: 'length', context_shifts: golden.shifts.length });
    const r = llamita(...base.slice(0, -1), '--no-context-shift');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/finish: length \(the context is full\)/);
    const stopped = JSON.parse(llamita(...base, '--no-context-shift').stdout);
    expect(stopped.tokens).toEqual(golden.gen.slice(0, 64 - golden.prompt.length));
    expect(stopped.finish_reason).toBe('length');
  });

  it('chat from a script: one JSON object per reply; the second turn reuses the cache; /save then /load in a new process goes on identically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llamita-chat-'));
    const saved = join(dir, 'chat.json');
    const chat = (input: string) =>
      spawnSync(process.execPath, [main, 'chat', '--model', stories, '--backend', 'js', '--temperature', '0', '--max-tokens', '16', '--json'], { input, encoding: 'utf8' });
    const a = chat(`Hello there\nTell me a story\n/save ${saved}\nWhat next?\n`);
    expect(a.status).toBe(0);
    const replies = a.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(replies).toHaveLength(3);
    expect(replies[0]).toMatchObject({ backend: 'js', usage: { cached_tokens: 0, completion_tokens: 16 } });
    expect(replies[1].usage.cached_tokens).toBeGreaterThanOrEqual(replies[0].usage.prompt_tokens);
    expect(a.stderr).toMatch(/saved 4 messages/);
    const b = chat(`/load ${saved}\nWhat next?\n`);
    expect(b.status).toBe(0);
    const resumed = JSON.parse(b.stdout.trim());
    expect(resumed.content).toBe(replies[2].content);
    expect(resumed.usage).toEqual(replies[2].usage);
  });

  it('chat: a conversation that outgrows the context drops its oldest exchanges and goes on', () => {
    const input = Array.from({ length: 8 }, (_, i) => `Tell me part ${i + 1} of the story`).join('\n');
    const r = spawnSync(process.execPath, [main, 'chat', '--model', stories, '--backend', 'js', '--ctx', '128', '--temperature', '0', '--max-tokens', '24', '--json'], { input, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const replies = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(replies).toHaveLength(8);
    expect(r.stderr).toMatch(/the conversation outgrew the context: its \d+ oldest messages were dropped/);
    for (const reply of replies) expect(reply.usage.prompt_tokens).toBeLessThan(128);
  });

  it('chat /backend moves the conversation: replies as if it had stayed', () => {
    const chat = (input: string) =>
      spawnSync(process.execPath, [main, 'chat', '--model', stories, '--backend', 'js', '--temperature', '0', '--max-tokens', '12', '--json'], { input, encoding: 'utf8' });
    const stayed = chat('Hi\nA story please\nAnd then?\nThe end?\n')
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const moved = chat('Hi\nA story please\n/backend wasm\nAnd then?\n/backend js\nThe end?\n');
    expect(moved.stderr).toMatch(/moved to wasm/);
    const replies = moved.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(replies.map((r) => r.backend)).toEqual(['js', 'js', 'wasm', 'js']);
    expect(replies.map((r) => r.content)).toEqual(stayed.map((r) => r.content));
  });

  it('serve: answers on 127.0.0.1 and exits 0 on SIGTERM while a stream is in flight', async () => {
    const child = spawn(process.execPath, [main, 'serve', '--model', stories, '--backend', 'js', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      child.once('exit', () => reject(new Error(`serve exited: ${stderr}`)));
    });
    expect((await (await fetch(`${url}/health`)).json()).status).toBe('ok');
    const response = await fetch(`${url}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'Once', max_tokens: 2000, stream: true }),
    });
    const reader = response.body!.getReader();
    await reader.read();
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(stderr).toMatch(/SIGTERM, stopping/);
  });

  it("eval: lm-eval's per-item acc on WinoGrande's first 40 items, a table, --json, --output samples; a malformed line named", () => {
    const data = fixturePath('eval/winogrande.jsonl');
    const reference = readFileSync(fixturePath('eval/reference/winogrande.lm-eval.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .slice(0, 40)
      .map((l) => JSON.parse(l));
    const dir = mkdtempSync(join(tmpdir(), 'llamita-eval-'));
    const r = llamita('eval', '--task', 'winogrande', '--data', data, '--limit', '40', '--model', stories, '--backend', 'wasm', '--output', dir, '--compare', 'paper');
    expect(r.status).toBe(0);
    const acc = reference.reduce((n: number, x: { acc: number }) => n + x.acc, 0) / 40;
    expect(r.stdout).toMatch(new RegExp(`\\| winogrande \\| acc +\\| ${(100 * acc).toFixed(2)} \\| [\\d.]+ +\\| 40 \\| 59.12 +\\|`));
    const samples = readFileSync(join(dir, 'samples_winogrande.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(samples.map((x) => x.acc)).toEqual(reference.map((x: { acc: number }) => x.acc));
    const json = JSON.parse(llamita('eval', '--task', 'winogrande', '--data', data, '--limit', '40', '--model', stories, '--backend', 'wasm', '--json').stdout);
    expect(json).toMatchObject({ task: 'winogrande', scoring: 'lm-eval', n: 40, metrics: { acc: { value: acc } } });
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, '{"sentence": "A _ b", "option1": "x", "option2": "y", "answer": "1"}\n{"sentence": "no options"}\n');
    const refused = llamita('eval', '--task', 'winogrande', '--data', bad, '--model', stories);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/E_BAD_FILE.*bad\.jsonl:2: field "sentence" has no _/);
  });

  it('bench --webgpu-tile: a malformed tile is a usage error; one the device cannot hold is refused saying why', () => {
    const malformed = llamita('bench', '--model', stories, '--backend', 'webgpu', '--webgpu-tile', '64x64');
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toMatch(/--webgpu-tile must look like 64x128\/4x8/);
    const env = { ...process.env, LLAMITA_CACHE: '/nonexistent-cache', VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? SWIFTSHADER_ICD };
    const tooBig = spawnSync(process.execPath, [main, 'bench', '--model', stories, '--backend', 'webgpu', '--webgpu-tile', '128x128/8x8', '--repeats', '1'], { encoding: 'utf8', env });
    expect(tooBig.status).not.toBe(0);
    expect(tooBig.stderr).toMatch(/prefill tile 128x128\/8x8: needs \d+ bytes of workgroup memory/);
  });

  it("tokenize: a byte-level BPE vocabulary (GPT-2's GGUF) gives llama.cpp's test ids; a SentencePiece one adds BOS as it says", () => {
    const base = fixturePath('vocab-tests/ggml-vocab-gpt-2.gguf');
    const [text] = readFileSync(`${base}.inp`, 'utf8').split('\n__ggml_vocab_test__\n');
    const [ids] = readFileSync(`${base}.out`, 'utf8').split('\n');
    const bpe = llamita('tokenize', '--model', base, '--text', text!, '--json');
    expect(bpe.status).toBe(0);
    expect(JSON.parse(bpe.stdout)).toEqual(ids!.trim().split(' ').map(Number));
    const spm = llamita('tokenize', '--model', stories, '--text', 'Once upon a time', '--json');
    expect(JSON.parse(spm.stdout)).toEqual([1, 403, 407, 261, 378]);
  });

  it('run: negative numbers need no "=" and --seed -1 draws a seed it prints', () => {
    const r = llamita('run', '--model', stories, '--prompt', 'Once', '--max-tokens', '8', '--presence-penalty', '-0.5', '--logit-bias', '13=-2', '--seed', '-1', '--json');
    expect(r.status).toBe(0);
    const seed = Number(/^seed: (\d+)$/m.exec(r.stderr)?.[1]);
    expect(Number.isInteger(seed)).toBe(true);
    const again = llamita('run', '--model', stories, '--prompt', 'Once', '--max-tokens', '8', '--presence-penalty=-0.5', '--logit-bias', '13=-2', '--seed', String(seed), '--json');
    expect(JSON.parse(again.stdout).tokens).toEqual(JSON.parse(r.stdout).tokens);
  });

  it('run | head: a reader that goes away ends the run quietly, exit 0', () => {
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${main}" run --model "${stories}" --backend js --max-tokens 256 --temperature 0 | head -c 20`], {
      encoding: 'utf8',
      env: { ...process.env, LLAMITA_CACHE: '/nonexistent-cache' },
    });
    expect(r.stdout).toHaveLength(20);
    expect(r.stderr).not.toMatch(/EPIPE|error/i);
    expect(r.status).toBe(0);
  });

  it.each([
    [['run', '--model', 'missing.gguf'], 2, /model file not found: missing.gguf/],
    [
      ['run', '--model', 'http://127.0.0.1:9/model.gguf'],
      1,
      /error \[E_NETWORK\]: cannot reach http:\/\/127.0.0.1:9\/model.gguf .*give --model PATH of a local file, or put the file at \/nonexistent-cache\//,
    ],
    [['run', '--model', fixturePath('llama-spm-vocab/ggml-vocab-llama-spm.gguf')], 1, /metadata general.architecture is missing|tensor token_embd.weight is missing/],
    [['run', '--model', stories, '--ctx', '4', '--prompt', 'Once upon a time', '--temperature', '0'], 1, /E_CONTEXT_FULL.*the prompt has 5 tokens; the context holds at most 3/],
    [['run', '--model', stories, '--temperature', 'hot'], 2, /--temperature must be a number/],
    [['chat', '--model', stories, '--chat-template', 'missing.jinja'], 2, /--chat-template missing.jinja: file not found/],
    [['serve', '--model', stories, '--port', '70000'], 2, /--port must be/],
    [['bench', '--model', stories, '--backend', 'js', '--threads', '2'], 2, /the js backend is single-threaded: --threads must be 1/],
    [['bench', '--model', stories, '--backend', 'wasm', '--threads', '65'], 2, /--threads must be/],
    [['run', '--model', stories, '--grammar', 'yaml'], 2, /--grammar takes "json"/],
    [['bogus'], 2, /unknown command "bogus"/],
  ])('%j fails with a clear message and exit %i, no stack trace', (args, status, message) => {
    const r = llamita(...args);
    expect(r.status).toBe(status);
    expect(r.stderr).toMatch(message);
    // a JavaScript stack frame; Dawn's own Vulkan warning (auto mode probing webgpu without a driver) names C++ files
    expect(r.stderr).not.toMatch(/\n\s+at .*\.[cm]?[jt]s:\d+/);
  });
});
