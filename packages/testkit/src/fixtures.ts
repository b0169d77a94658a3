import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Walks up from this file to the repository root (the folder with pnpm-workspace.yaml). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

/** Root of the shared fixtures: `$LLAMITA_FIXTURES`, else `../shared/fixtures` beside the repository. */
export function fixturesRoot(): string {
  return process.env.LLAMITA_FIXTURES ?? resolve(repoRoot(), '..', 'shared', 'fixtures');
}

/** Absolute path of a fixture file, e.g. `fixturePath('stories260K/stories260K.gguf')`. */
export function fixturePath(relative: string): string {
  return join(fixturesRoot(), relative);
}

/** Whether the fixtures folder is present (CI always has it; a user's fresh clone may not). */
export function fixturesAvailable(): boolean {
  return existsSync(fixturesRoot());
}

/** One line of `quant/expected.jsonl`: what llama.cpp made of one quantized fixture model. */
export interface QuantExpectation {
  /** The model's file name in `quant/`. */
  readonly file: string;
  /** llama.cpp's greedy run: the prompt ids and the ids it generated. */
  readonly greedy: { readonly prompt: readonly number[]; readonly gen: readonly number[] };
  /** Tensor type counts, as Python prints a dict (`{'Q4_K': 4, 'F32': 5}`). */
  readonly tensor_types: string;
  /** llama.cpp's perplexity over `quant/text.txt` with a context of 64. */
  readonly ppl_ctx64: number;
}

/** Every line of `quant/expected.jsonl`; empty when the fixtures are absent. */
export function quantExpectations(): QuantExpectation[] {
  if (!fixturesAvailable()) return [];
  return readFileSync(fixturePath('quant/expected.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as QuantExpectation);
}
