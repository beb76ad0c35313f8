import { describe, expect, it } from 'vitest';
import {
  createMigrateProgress,
  type MigrationApplied,
} from '../../../electron/engine/upgrade/migrate-progress.js';

// The shape Django 2.2.18's migrate command writes (django/core/management/commands/migrate.py:
// "  Applying %s..." without a newline, then " OK" / " FAKED" and, at -v 2, " (0.012s)").
const output = [
  'Operations to perform:\n  Apply all migrations: admin, auth, qa\nRunning migrations:\n',
  '  Applying qa.0001_initial...',
  ' OK\n  Applying qa.0002_data_mi',
  'gration... OK (0.031s)\n  Applying auth.0012_alter_user_first_name_max_length... FAKED\n',
  '  Applying qa.0003_broken...',
];

describe('migrate progress', () => {
  it('emits one event per migration finished, across chunk boundaries, and none for one still running', () => {
    const seen: MigrationApplied[] = [];
    const p = createMigrateProgress((m) => seen.push(m));
    for (const chunk of output) p.write(chunk);
    expect(seen).toEqual([
      { app: 'qa', name: '0001_initial', faked: false },
      { app: 'qa', name: '0002_data_migration', faked: false },
      { app: 'auth', name: '0012_alter_user_first_name_max_length', faked: true },
    ]);
    p.write(' OK\n');
    expect(seen.at(-1)).toEqual({ app: 'qa', name: '0003_broken', faked: false });
  });
});
