import { describe, expect, it } from 'vitest';
import type { Answers } from '../../../electron/engine/answers/index.js';
import { InputError } from '../../../electron/engine/errors.js';
import { computeLayout } from '../../../electron/engine/layout.js';
import { upgradePhases } from '../../../electron/engine/upgrade/phases.js';
import { upgradePath } from '../../../electron/engine/upgrade/upgrade-path.js';

const layout = computeLayout(
  {
    paths: { installDir: '/opt/qatrack', dataDir: '/var/lib/qatrack' },
    python: {},
    backup: {},
  } as unknown as Answers,
  'posix',
);

describe('upgrade path', () => {
  it('within a line the database is migrated in place', () => {
    expect(upgradePath('3.1.1.4', '3.1.1.5', 'qatrackplus')).toEqual({ kind: 'in-place' });
    expect(upgradePath('4.0.0', '4.0.x', 'qatrackplus')).toEqual({ kind: 'in-place' });
  });

  it("3.x -> 4.0 restores into a new database named like upstream's qatrackplus40", () => {
    expect(upgradePath('3.1.1.4', '4.0.x', 'qatrackplus')).toEqual({
      kind: 'new-database',
      database: 'qatrackplus40',
    });
    expect(upgradePath('3.1.1.4', '4.0.0', 'qatrack')).toEqual({
      kind: 'new-database',
      database: 'qatrack40',
    });
  });

  it('refuses a new name longer than PostgreSQL keeps (63 bytes), naming database.name', () => {
    try {
      upgradePath('3.1.1.4', '4.0.0', 'q'.repeat(62));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).issues?.[0]?.path).toBe('database.name');
    }
  });

  it('stages before maintenance; only the major path has restore-copy, and migrate names the new database', () => {
    const inPlace = upgradePhases(layout, '3.1.1.4', '3.1.1.5', '/b').map((p) => p.id);
    expect(inPlace.slice(0, 4)).toEqual(['preflight', 'stage-release', 'maintenance-on', 'backup']);
    expect(inPlace).not.toContain('restore-copy');
    const major = upgradePhases(layout, '3.1.1.4', '4.0.0', '/b', 14, {
      kind: 'new-database',
      database: 'qatrack40',
    });
    expect(major.map((p) => p.id).slice(3, 6)).toEqual(['backup', 'restore-copy', 'migrate']);
    expect(major.find((p) => p.id === 'migrate')!.describe).toContain('in qatrack40');
  });
});
