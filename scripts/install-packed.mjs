// Installs the public packages as a user gets them, into a project outside the
// monorepo: `pnpm pack` each one, unpack the tarballs into DIR/node_modules,
// and link the third-party packages they declare from the monorepo's install
// (so no network is needed). What the tarballs lack (a file outside "files",
// an export path, a dependency nobody declares) fails there as it would for
// a user. Usage: node scripts/install-packed.mjs DIR
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = resolve(process.argv[2] ?? mkdtempSync(join(tmpdir(), 'llamita-consumer-')));
const packs = mkdtempSync(join(tmpdir(), 'llamita-packs-'));
const modules = join(target, 'node_modules');
mkdirSync(modules, { recursive: true });

const ours = new Map();
for (const dir of readdirSync(join(root, 'packages'))) {
  const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
  if (!pkg.private) ours.set(pkg.name, join(root, 'packages', dir));
}

const thirdParty = new Map();
for (const [name, dir] of ours) {
  const out = execFileSync('pnpm', ['pack', '--pack-destination', packs], { cwd: dir, encoding: 'utf8' });
  const tarball = out.trim().split('\n').at(-1);
  const into = join(modules, name);
  mkdirSync(into, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', into, '--strip-components=1']);
  const packed = JSON.parse(readFileSync(join(into, 'package.json'), 'utf8'));
  for (const dep of [...Object.keys(packed.dependencies ?? {}), ...Object.keys(packed.peerDependencies ?? {})]) {
    if (ours.has(dep) || thirdParty.has(dep)) continue;
    // the copy pnpm installed for this package in the monorepo
    const installed = join(dir, 'node_modules', dep);
    if (existsSync(installed)) thirdParty.set(dep, realpathSync(installed));
    else if (!(packed.peerDependenciesMeta?.[dep]?.optional ?? false)) throw new Error(`${name} depends on ${dep}, which the monorepo has not installed for it`);
  }
}
for (const [dep, path] of thirdParty) {
  mkdirSync(dirname(join(modules, dep)), { recursive: true });
  symlinkSync(path, join(modules, dep), 'dir');
}
writeFileSync(join(target, 'package.json'), `${JSON.stringify({ name: 'llamita-consumer', private: true, type: 'module' }, null, 2)}\n`);
console.log(target);
