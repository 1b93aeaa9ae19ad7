// Lint rules double as architecture checks: the layering of DESIGN.md is enforced here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'worker_threads', 'http', 'net', 'crypto', 'url'];

export default tseslint.config(
  { ignores: ['node_modules', 'out', 'dist', 'coverage', 'test-results', '.tmp'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        performance: 'readonly',
        globalThis: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    ignores: ['src/shared/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...nodeBuiltins, 'electron', 'better-sqlite3', 'react', 'react-dom', '@tensorflow/*'],
              message: 'src/shared is pure TypeScript: no Node, DOM, Electron, SQLite or tfjs imports.',
            },
            { group: ['../main/*', '../engine/*', '../renderer/*', '../preload/*', '../cli/*'], message: 'src/shared imports nothing from other layers.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'better-sqlite3', 'react', 'react-dom'], message: 'src/engine runs in a plain process: no Electron, SQLite or UI.' },
            { group: ['**/main/*', '**/renderer/*', '**/preload/*', '**/cli/*'], message: 'src/engine imports only src/shared.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: [...nodeBuiltins, 'electron', 'better-sqlite3', '@tensorflow/*'], message: 'The renderer talks to the Api object only.' },
            { group: ['**/main/*', '**/engine/*', '**/cli/*'], message: 'The renderer imports only src/shared.' },
          ],
        },
      ],
      // An effect's concise body is its cleanup: Chromium's window.scrollTo returns a Promise, which
      // React called on the next page change and the whole app unmounted (issue 18, problem 3).
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.name=/^use(Layout|Insertion)?Effect$/] > ArrowFunctionExpression.arguments:first-child[expression=true]:not([body.type='ArrowFunctionExpression'])",
          message: 'Give the effect a block body: what a concise body returns becomes its cleanup.',
        },
      ],
    },
  },
  {
    files: ['src/preload/**/*.ts', 'src/cli/**/*.ts', 'e2e/**/*.ts', 'bench/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'better-sqlite3', message: 'Only src/main touches SQLite.' }] }],
    },
  },
);
