// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'docs/api/**', 'out/**', 'packages/cli/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Plain Node scripts (the command's launcher and build), outside TypeScript's checks.
  { files: ['packages/cli/bin/*.js', 'packages/cli/build.mjs', 'scripts/*.mjs'], languageOptions: { globals: { process: 'readonly', URL: 'readonly', console: 'readonly' } } },
  // The forward-tracking thread, plain JavaScript so that it starts without a TypeScript loader.
  { files: ['packages/core/src/solver/forward-worker.mjs'], languageOptions: { globals: { WebAssembly: 'readonly' } } },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
