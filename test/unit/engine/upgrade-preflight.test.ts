import { describe, expect, it } from 'vitest';
import { InputError } from '../../../electron/engine/errors.js';
import {
  checkUpgrade,
  pythonIssues,
  pythonLine,
  type UpgradeFacts,
} from '../../../electron/engine/upgrade/preflight.js';
import { testPython } from '../../support/fixture.js';
import { pythonFacts } from '../../../electron/hosts/posix/upgrade-preflight.js';
import { compareReleases } from '../../../electron/engine/upgrade/release-order.js';

const py39 = await testPython('3.9');

const ok: UpgradeFacts = {
  installed: '3.1.1.4',
  target: '3.1.1.5',
  catalogReleases: ['3.1.1.4', '3.1.1.5'],
  bundle: { release: '3.1.1.5' },
  backupFreeBytes: 10_000,
  backupNeededBytes: 1_000,
  backupDir: '/data/backups',
};

const refusal = (f: Partial<UpgradeFacts>) => {
  try {
    checkUpgrade({ ...ok, ...f });
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as InputError).issues;
  }
  throw new Error('not refused');
};

describe('compareReleases', () => {
  it('orders part by part numerically, a missing part is 0', () => {
    expect(compareReleases('3.1.1.10', '3.1.1.9')).toBe(1);
    expect(compareReleases('3.1.1.4', '4.0')).toBe(-1);
    expect(compareReleases('3.1.1', '3.1.1.0')).toBe(0);
  });

  it('orders a release line "4.0.x" after every 3.x and every 4.0 patch, before 4.1', () => {
    expect(compareReleases('3.1.1.4', '4.0.x')).toBe(-1);
    expect(compareReleases('4.0.x', '3.1.1.4')).toBe(1);
    expect(compareReleases('4.0.x', '4.0.x')).toBe(0);
    expect(compareReleases('4.0.7', '4.0.x')).toBe(-1);
    expect(compareReleases('4.0.x', '4.1')).toBe(-1);
    expect(['4.0.x', '3.1.1.3', '4.0.0', '3.1.1.4'].sort(compareReleases)).toEqual([
      '3.1.1.3',
      '3.1.1.4',
      '4.0.0',
      '4.0.x',
    ]);
  });

  it('refuses what is not a release id instead of comparing NaN', () => {
    expect(() => compareReleases('4.0.y', '3.1.1.4')).toThrow(/not a QATrack\+ release id: "4.0.y"/);
    expect(() => compareReleases('3.1.1.4', 'latest')).toThrow(/"latest"/);
  });
});

describe('checkUpgrade', () => {
  it('lets a supported path with room for the backup through', () => {
    expect(() => checkUpgrade(ok)).not.toThrow();
  });

  it('refuses a downgrade and the same release, naming --release', () => {
    expect(refusal({ target: '3.1.1.3', catalogReleases: ['3.1.1.3', '3.1.1.4'] })).toEqual([
      expect.objectContaining({ path: '--release', message: expect.stringContaining('downgrade') }),
      expect.objectContaining({ path: 'paths.bundleDir' }),
    ]);
    expect(refusal({ target: '3.1.1.4', bundle: { release: '3.1.1.4' } })[0]?.message).toContain('repair');
  });

  it('refuses a release the catalog does not have, listing the ones it has', () => {
    const [issue] = refusal({ target: '9.9.9', bundle: { release: '9.9.9' } });
    expect(issue).toEqual({ path: '--release', message: expect.stringContaining('3.1.1.4, 3.1.1.5') });
  });

  it('refuses a bundle of another release or an unreadable one', () => {
    expect(refusal({ bundle: { release: '3.1.1.4' } })[0]?.message).toContain('holds release 3.1.1.4');
    expect(refusal({ bundle: { problem: 'manifest.json is missing' } })[0]).toEqual({
      path: 'paths.bundleDir',
      message: 'manifest.json is missing',
    });
  });

  it('refuses too little room for the backup (estimate + 20 %)', () => {
    expect(refusal({ backupFreeBytes: 1_100 })[0]).toEqual({
      path: 'backup.folder',
      message: expect.stringContaining('needs about 1200'),
    });
  });
});

describe('checkUpgrade: the major path needs its Python line and a database of its own', () => {
  it('lists every problem at once: no CREATEDB and no Python 3.12', () => {
    const issues = refusal({
      target: '4.0.0',
      catalogReleases: ['3.1.1.4', '4.0.0'],
      bundle: { release: '4.0.0' },
      newDatabase: { database: 'qatrack40', role: 'qatrack', canCreate: false },
      python: { executable: '/opt/none/python3.12', needed: '3.12' },
    });
    expect(issues.map((i) => i.path)).toEqual(['database.login.user', 'python.executable']);
    expect(issues[1]!.message).toContain('Python 3.12 is needed and /opt/none/python3.12 does not run');
    expect(issues[1]!.message).toContain('set python.executable to its absolute path');
  });

  it('a Python of another line, or one without venv, is refused; 3.12.x with venv passes', () => {
    const py = (version: string, venv = true) =>
      pythonIssues({ executable: '/usr/bin/python3', needed: '3.12', version, venv });
    expect(py('3.11.2')[0]!.message).toContain('is Python 3.11.2; this release needs Python 3.12');
    expect(py('3.12.1', false)[0]!.message).toContain('has no venv/ensurepip module');
    expect(py('3.12.10')).toEqual([]);
    expect(pythonLine('3.12.10')).toBe('3.12');
  });

  it('pythonFacts runs the interpreter: a path that does not exist has no version', async () => {
    expect(await pythonFacts('/nonexistent/python3.12', '3.12')).toEqual({
      executable: '/nonexistent/python3.12',
      needed: '3.12',
    });
  });

  it.skipIf(!py39)('pythonFacts of a real Python 3.9: its version and venv, refused for 4.0', async () => {
    const f = await pythonFacts(py39!, '3.12');
    expect(f.version).toMatch(/^3\.9\.\d+$/);
    expect(f.venv).toBe(true);
    expect(pythonIssues(f)[0]!.message).toContain('this release needs Python 3.12');
  });
});
