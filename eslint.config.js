import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', performance: 'readonly' } },
  },
);
