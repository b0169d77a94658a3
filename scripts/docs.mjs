// Generates the API docs of every public package with typedoc. Entry points are
// derived from each package's `exports` map (./dist/X.js -> src/X.ts), so a new
// export path is documented without editing this file. typedoc.json makes any
// warning, an undocumented export included, fail the run.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const entryPoints = [];
for (const dir of readdirSync('packages')) {
  const pkg = JSON.parse(readFileSync(join('packages', dir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  for (const target of Object.values(pkg.exports ?? {})) {
    const file = typeof target === 'string' ? target : target.import;
    entryPoints.push(join('packages', dir, file.replace(/^\.\/dist\//, 'src/').replace(/\.js$/, '.ts')));
  }
}
// typedoc reports undocumented exports reliably only for a single entry point,
// so each is validated alone first; then all are rendered together.
const typedoc = (extra) => execFileSync(join('node_modules', '.bin', 'typedoc'), ['--options', 'typedoc.json', ...extra], { stdio: 'inherit' });
const failed = entryPoints.filter((entry) => {
  try {
    typedoc(['--entryPoints', entry, '--emit', 'none', '--logLevel', 'Warn']);
    return false;
  } catch {
    return true;
  }
});
if (failed.length > 0) {
  console.error(`typedoc: undocumented or broken exports in ${failed.join(', ')} (see the warnings above)`);
  process.exit(1);
}
typedoc([...entryPoints.flatMap((e) => ['--entryPoints', e]), ...process.argv.slice(2)]);
