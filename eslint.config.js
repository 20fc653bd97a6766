// The project's lint: ESLint's recommended rules and typescript-eslint's, over every TypeScript and
// script file we write (built output, generated API types and dependencies are not ours to lint).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/dist-packages/**', 'dashboard/src/api/schema.d.ts', '**/*.d.mts', 'test-output/**', 'coverage/**'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // Unused names are mistakes, but a leading underscore says "deliberately ignored".
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Boundaries with untyped JSON (bus messages, plugin state, SQL rows) are typed `unknown` where
      // they can be; `any` stays allowed in tests and at those edges, as a warning elsewhere would be noise.
      '@typescript-eslint/no-explicit-any': 'off',
      // `{}` is how a generic says "no keys" (a plugin without dependencies).
      '@typescript-eslint/no-empty-object-type': ['error', { allowObjectTypes: 'always' }],
    },
  },
  {
    files: ['dashboard/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
