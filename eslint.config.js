import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Data flows one way: receiver → mapping → pipeline → storage, all of them → model and config.
const layer = (folder, forbidden, allowed = []) => ({
  files: [`src/${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: [
              ...forbidden.map((name) => (name === 'express' ? 'express' : `**/${name}/**`)),
              ...allowed.map((path) => `!**/${path}`),
            ],
            message: `src/${folder} imports against the data flow (receiver → mapping → pipeline → storage; all → model, config).`,
          },
        ],
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'bench/results/', 'faults/results/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['vitest.config.ts'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['src/**/*.ts'], rules: { 'max-lines': ['error', { max: 400 }] } },
  layer('model', ['receiver', 'mapping', 'pipeline', 'storage', 'config', 'express']),
  layer('config', ['receiver', 'mapping', 'pipeline', 'storage', 'express']),
  // Storage implements the pipeline's exporter interface and knows nothing else of it.
  layer('storage', ['receiver', 'mapping', 'pipeline', 'express'], ['pipeline/exporter.js', 'pipeline/component.js']),
  layer('pipeline', ['receiver', 'mapping', 'storage', 'express']),
  layer('mapping', ['receiver', 'storage', 'express']),
  // The read side sits beside the write path and shares only the model with it.
  layer('query', ['receiver', 'mapping', 'pipeline', 'storage', 'express']),
  // The dashboard runs in the browser and talks to oct only over HTTP: it imports nothing of the server, nor of node.
  {
    files: ['src/page/**/*.ts'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../*', 'node:*', 'express'], message: 'src/page talks to oct over HTTP only (the read API).' }] },
      ],
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  prettier,
);
