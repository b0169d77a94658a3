import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The dependency rule of ../shared/GUIDE.md (docs/adr/0008-contract-v2.md):
 * for each package's source (tests exempt: they pick backends), the llamita
 * packages it may import. Backends depend on core and tensor (wasm also on
 * backend-js, whose plain kernels are its fallbacks); model and the facade
 * never import a concrete backend; only apps and tests choose one.
 */
const ALLOWED = {
  core: [],
  tensor: ['core'],
  sampling: ['core'],
  tokenizer: ['core'],
  'backend-js': ['core', 'tensor'],
  'backend-wasm': ['core', 'tensor', 'backend-js'],
  'backend-webgpu': ['core', 'tensor'],
  model: ['core', 'tensor', 'tokenizer', 'sampling'],
  llamita: ['core', 'model', 'tokenizer', 'sampling'],
  server: ['core', 'llamita'],
  eval: ['core', 'llamita'],
  testkit: ['core', 'tensor', 'sampling'],
};
const PACKAGES = Object.keys(ALLOWED);
const specifier = (name) => (name === 'llamita' ? 'llamita' : `@llamita/${name}`);
const dependencyRule = Object.entries(ALLOWED).map(([pkg, allowed]) => ({
  files: [`packages/${pkg}/src/**/*.ts`],
  ignores: ['**/*.test.ts', '**/*.test-helper.ts'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: PACKAGES.filter((other) => other !== pkg && !allowed.includes(other)).map((other) => ({
          group: [specifier(other), `${specifier(other)}/*`],
          message: `${specifier(pkg)} may import only ${allowed.map(specifier).join(', ') || 'nothing of llamita'} (the dependency rule, docs/adr/0008-contract-v2.md)`,
        })),
      },
    ],
  },
}));

export default tseslint.config(
  // AssemblyScript is not TypeScript (decorators on functions, v128 builtins): asc checks it.
  { ignores: ['**/dist/**', '**/node_modules/**', 'docs/api/**', '.gpu/**', 'apps/web/dist/**', 'packages/backend-wasm/assembly/**', 'apps/bench/assembly/**', 'packages/backend-wasm/build/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // Determinism: sampling takes an explicit seed; nothing may use Math.random.
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Use a seeded PRNG (@llamita/sampling).' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  ...dependencyRule,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', performance: 'readonly' } },
  },
);
