import { describe, expect, it } from 'vitest';
import { InputError } from '../../../electron/engine/errors.js';
import { checkUpgrade, type UpgradeFacts } from '../../../electron/engine/upgrade/preflight.js';
import { compareReleases } from '../../../electron/engine/upgrade/release-order.js';

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
