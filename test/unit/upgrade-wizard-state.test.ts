import { describe, expect, it } from 'vitest';
import { parseUnattendedArgs } from '../../electron/engine/unattended-args.js';
import { upgradeIpcEventSchema } from '../../electron/ipc/upgrade-contract.js';
import { bytesInWords, emptyUpgradeRun, reduceUpgrade } from '../../renderer/src/upgrade/upgrade-state.js';
import { loadRecording } from '../support/upgrade-replay.js';

/** The wizard's upgrade view folded from the real upgrade's recorded events, and the unattended flags. */
describe('upgrade view state', () => {
  const rec = loadRecording();
  const review = {
    from: '3.1.1.4',
    to: '3.1.1.5',
    source: 'answers' as const,
    backupDir: '/b',
    backupFreeBytes: 1,
    backupNeededBytes: 1,
    keepDays: 14,
    phases: rec.events.flatMap((e) =>
      e.type === 'upgrade-phase' && e.state === 'start' ? [{ id: e.id, describe: e.describe }] : [],
    ),
  };

  it('the recorded run ends with every phase done, two migrations and the backup size', () => {
    const v = rec.events.reduce(reduceUpgrade, emptyUpgradeRun(review));
    expect(v.phases.every((p) => p.status === 'done')).toBe(true);
    expect(v.migrations).toEqual(['qa.0002_unit_code', 'qa.0003_unithistory']);
    const backup = rec.events.find((e) => e.type === 'backup');
    expect(v.backup).toEqual(
      backup?.type === 'backup' ? { dir: backup.dir, bytes: backup.bytes, ms: backup.ms } : {},
    );
    expect(v.backup?.bytes).toBe(58_962);
    expect(v.log.length).toBeGreaterThan(10);
  });

  it('a failure marks the running phase stopped and keeps the rollback steps in order', () => {
    const upToMigrate = rec.events.slice(
      0,
      rec.events.findIndex((e) => e.type === 'upgrade-phase' && e.id === 'migrate') + 1,
    );
    let v = upToMigrate.reduce(reduceUpgrade, emptyUpgradeRun(review));
    v = reduceUpgrade(v, { type: 'rollback', describe: 'Restore the database' });
    v = reduceUpgrade(v, { type: 'rollback', describe: 'nginx proxies to the workers again' });
    const end = upgradeIpcEventSchema.parse({
      type: 'upgrade-end',
      ok: false,
      rolledBack: true,
      exitCode: 1,
      message: 'failed in migrate',
      from: '3.1.1.4',
      to: '3.1.1.5',
      keepDays: 14,
      cancelled: false,
    });
    v = reduceUpgrade(v, end);
    expect(v.phases.find((p) => p.id === 'migrate')?.status).toBe('failed');
    expect(v.phases.find((p) => p.id === 'collectstatic')?.status).toBe('waiting');
    expect(v.rollback).toEqual(['Restore the database', 'nginx proxies to the workers again']);
    expect(v.end?.rolledBack).toBe(true);
  });

  it('sizes in words', () => {
    expect(bytesInWords(512)).toBe('512 bytes');
    expect(bytesInWords(58_962)).toBe('57.6 KiB');
    expect(bytesInWords(10 * 2 ** 30)).toBe('10.0 GiB');
  });
});

describe('unattended --mode upgrade flags', () => {
  it('parses --release and lets --answers be remembered', () => {
    expect(
      parseUnattendedArgs(['app.exe', '--unattended', '--mode', 'upgrade', '--release', '4.0.x']),
    ).toEqual({
      mode: 'upgrade',
      release: '4.0.x',
      keepData: true,
    });
  });
  it.each([
    [['--mode', 'upgrade'], '--release is required with --mode upgrade'],
    [['--mode', 'upgrade', '--release', 'latest'], '--release must be a release id'],
    [['--answers', 'a.json', '--release', '3.1.1.5'], '--release only applies to --mode upgrade'],
  ])('refuses %j naming the flag', (args, message) => {
    expect(() => parseUnattendedArgs(['app.exe', '--unattended', ...args])).toThrow(message);
  });
});
