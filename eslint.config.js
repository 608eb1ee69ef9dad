// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import layers from './tools/eslint/layers.js';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.data/', '.bench/', '.scratch/', 'coverage/', 'lwc/.sfdx/', 'lwc/.sf/'] },
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
  {
    // Lightning Web Components: browser modules with decorators (parsed by the typescript-eslint
    // parser), their jest tests, and the jest config (CommonJS, as sfdx-lwc-jest loads it).
    files: ['lwc/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: { window: 'readonly', document: 'readonly', CustomEvent: 'readonly', setTimeout: 'readonly', console: 'readonly' },
    },
  },
  {
    files: ['lwc/**/__tests__/**/*.js', 'lwc/jest-mocks/**/*.js'],
    languageOptions: {
      globals: { jest: 'readonly', describe: 'readonly', it: 'readonly', expect: 'readonly', beforeEach: 'readonly', afterEach: 'readonly' },
    },
  },
  {
    files: ['lwc/**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
