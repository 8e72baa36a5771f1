import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.azurite/**', '.scratch/**', 'out/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read settings through shared/config.ts.' },
      ],
    },
  },
  {
    files: ['shared/config.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-properties': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['shared/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        // node:url only for its UTS #46 host name mapping (domainToASCII / domainToUnicode).
        { patterns: ['@azure/*', '../storage/*', '../http', '../services/*', 'node:*', '!node:url'] },
      ],
    },
  },
  {
    files: ['shared/web/assets/**/*.js'],
    languageOptions: { globals: globals.browser, sourceType: 'module' },
  },
);
