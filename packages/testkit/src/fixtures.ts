import { existsSync } from 'node:fs';
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
