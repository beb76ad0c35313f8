import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { defineConfig } from 'eslint/config';

/** Repeated in each layering block below: a later block's rule options replace an earlier one's. */
const PLAIN_NODE = {
  name: 'electron',
  message: 'The engine is plain Node; only electron/main may import electron.',
};

export default defineConfig(
  {
    ignores: [
      'dist/**',
      'out/**',
      'release/**',
      'node_modules/**',
      '.demo/**',
      'test-results/**',
      '**/*.config.ts',
      '**/*.config.js',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        project: ['./tsconfig.node.json', './tsconfig.web.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The engine, steps, hosts, bundle and CLI are plain Node: they must never reach for Electron,
    // and steps never spawn processes themselves (they return actions for a host to run).
    files: [
      'electron/engine/**',
      'electron/steps/**',
      'electron/hosts/**',
      'electron/bundle/**',
      'electron/cli/**',
      'electron/mail/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [PLAIN_NODE],
        },
      ],
    },
  },
  // Layering (hexagonal: the core owns its ports, adapters never depend on steps, wiring lives in
  // electron/app). In flat config a later block's rule options replace an earlier one's, so these
  // blocks repeat the "plain Node" path above. Patterns match the import text: `(../)+` escapes to
  // electron/ from any depth (no folder inside engine or hosts bears one of these names).
  {
    files: ['electron/engine/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [PLAIN_NODE],
          patterns: [
            {
              regex: '^(\\.\\./)+(electron/)?(steps|hosts|bundle|cli|ipc|main|helper|app)(/|$)',
              message:
                'electron/engine is the core: it declares the ports it needs and imports nothing from steps, hosts, bundle, cli, ipc, main, helper or app (wire adapters in electron/app).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/hosts/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [PLAIN_NODE],
          patterns: [
            {
              regex: '^(\\.\\./)+(electron/)?steps(/|$)',
              message:
                'Hosts are adapters: they import nothing from electron/steps (shared Windows knowledge lives in electron/windows, shared layout facts in electron/engine).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/steps/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'Steps are plain Node.' },
            { name: 'execa', message: 'Steps return actions; hosts execute them.' },
            { name: 'node:child_process', message: 'Steps return actions; hosts execute them.' },
            { name: 'node:fs', message: 'Steps read the machine through host.query().' },
            { name: 'node:fs/promises', message: 'Steps read the machine through host.query().' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(node:|electron(/|$))',
              message: 'The renderer never sees Node or Electron; use window.installer.',
            },
            {
              // Only pure, zod-only modules: the answers schema (same field rules as the CLI), its
              // plain labels (one table for the CLI and the wizard) and the IPC contract / events.
              regex:
                '/electron/(?!engine/answers/(fields|labels|load|schema)\\.js$|engine/events\\.js$|ipc/contract\\.js$)',
              message:
                'The renderer may import only the answers schema, its labels and the IPC contract from electron/.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests poke at JSON fixtures and child-process output: typed-any rules add noise there, not safety.
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  { files: ['**/*.js', '**/*.cjs', '**/*.mjs'], extends: [tseslint.configs.disableTypeChecked] },
);
