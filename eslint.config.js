// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './tools/eslint/layers.js';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.data/', '.bench/', '.scratch/', 'coverage/', 'lwc/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    plugins: { leadscore: layers },
    rules: {
      'leadscore/layers': ['error', { root: import.meta.dirname }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
);
