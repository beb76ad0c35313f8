import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import HeavyFirstSequencer from './test/support/heavy-first-sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // vitest's default is one fork fewer than the cores: one fork on CI's 2 cores, a serial run. Most
    // of the long files wait on child processes (Python, Wine, nginx, PostgreSQL, Samba), so a second
    // fork overlaps them. Machine-wide singletons (Samba's fixed LDAP ports) take a lock instead.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    sequence: { sequencer: HeavyFirstSequencer },
    setupFiles: ['test/support/resources-setup.ts'],
  },
});
