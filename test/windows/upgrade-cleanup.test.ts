import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pruneWindowsPrevious } from '../../electron/app/upgrade/windows-prune.js';
import { runWindowsUpgrade, type WinUpgradeOutcome } from '../../electron/app/upgrade/windows-upgrade.js';
import {
  UPGRADE_PYTHON_FILE,
  windowsUpgradePhases,
  type WinUpgradeSpec,
} from '../../electron/app/upgrade/windows-phases.js';
import { loadCatalogFrom } from '../../electron/cli/prepare.js';
import { writeSimFile } from '../../electron/hosts/sim/effects.js';
import { simFile, simWindows } from '../../electron/hosts/sim/windows/state.js';
import { runCli } from '../support/cli.js';
import { readState, writeState } from '../support/windows-sim.js';
import { answersFor, BUNDLE, installedServer, upgradeCatalogDir } from './upgrade-support.js';

const CATALOG = upgradeCatalogDir();
const NOW = new Date('2026-12-01T22:00:00Z');
const MARKER = `D:\\QATrackData\\installer\\${UPGRADE_PYTHON_FILE}`;
const PY312 = 'C:\\QATrack\\python312-x64\\python.exe';
const PY39 = 'C:\\QATrack\\python39-x64\\python.exe';

function specFor(
  from: string,
  to: string,
): { spec: WinUpgradeSpec; secrets: ReturnType<typeof answersFor>['secrets'] } {
  const a = answersFor(from, (x) => (x.paths.bundleDir = BUNDLE(to)));
  return {
    secrets: a.secrets,
    spec: {
      answers: a.answers,
      from,
      to,
      fromDir: a.answers.paths.installDir,
      catalogFrom: loadCatalogFrom(CATALOG, from),
      catalogTo: loadCatalogFrom(CATALOG, to),
      keepDays: 14,
      now: NOW,
      machineDir: 'C:\\ProgramData\\QATrack+ Installer',
    },
  };
}

/** runWindowsUpgrade in this process on a sim server running `from` (the CLI tests cover the CLI). */
async function upgradeOn(
  file: string,
  from: string,
  to: string,
  env: Record<string, string> = {},
  onEvent: (e: { type: string; describe?: string; message?: string }) => void = () => undefined,
): Promise<WinUpgradeOutcome> {
  const { spec, secrets } = specFor(from, to);
  return runWindowsUpgrade({
    spec,
    secrets,
    hostSpec: { kind: 'sim', file },
    logFile: path.join(path.dirname(file), 'upgrade.log'),
    onEvent,
    signal: new AbortController().signal,
    env,
  });
}

describe('Windows upgrade cleanup: the Python the upgrade installed', { timeout: 240_000 }, () => {
  it('3.1.1.4 -> 4.0.x, fault in health: the rollback uninstalls Python 3.12 (the upgrade installed it); 3.9 stays', async () => {
    const s = await installedServer('3.1.1.4', '4.0.x', CATALOG);
    expect(readState(s.file).products['python-3.12-x64']).toBeUndefined();
    const r = await upgradeOn(s.file, '3.1.1.4', '4.0.x', { QATRACK_INSTALLER_FAULT: 'upgrade:health' });
    expect(r, r.message).toMatchObject({ ok: false, rolledBack: true, failedPhase: 'health' });
    const st = readState(s.file);
    expect(st.products['python-3.12-x64']).toBeUndefined();
    expect(simFile(st, PY312)).toBeUndefined();
    expect(st.products['python-3.9-x64']).toBeTruthy();
    expect(simFile(st, PY39)).toBeTruthy();
    expect(simFile(st, MARKER)).toBeUndefined();
  });

  it('3.1.1.4 -> 4.0.x with Python 3.12 already on the machine: the rollback leaves it installed', async () => {
    const s = await installedServer('3.1.1.4', '4.0.x', CATALOG);
    const st0 = readState(s.file);
    st0.products['python-3.12-x64'] = { version: '3.12.10', name: 'Python 3.12' };
    writeSimFile(st0, PY312, 'MZ python 3.12 the admin installed');
    writeState(s.file, st0);
    const r = await upgradeOn(s.file, '3.1.1.4', '4.0.x', { QATRACK_INSTALLER_FAULT: 'upgrade:health' });
    expect(r, r.message).toMatchObject({ ok: false, rolledBack: true });
    const st = readState(s.file);
    expect(st.products['python-3.12-x64']).toBeTruthy();
    expect(simFile(st, PY312)?.content).toBe('MZ python 3.12 the admin installed');
    expect(simFile(st, MARKER)).toBeUndefined();
  });

  it('3.1.1.4 -> 4.0.x with Python 3.12 installed in another folder: the upgrade refuses to stage and the rollback leaves that Python alone', async () => {
    const s = await installedServer('3.1.1.4', '4.0.x', CATALOG);
    const st0 = readState(s.file);
    st0.products['python-3.12-x64'] = {
      version: '3.12.10',
      name: 'Python 3.12',
      location: 'C:\\Program Files\\Python312',
    };
    writeState(s.file, st0);
    const r = await upgradeOn(s.file, '3.1.1.4', '4.0.x');
    expect(r, r.message).toMatchObject({ ok: false, rolledBack: true, failedPhase: 'stage-release' });
    expect(r.message).toMatch(/already installed in C:\\Program Files\\Python312/);
    const st = readState(s.file);
    expect(st.products['python-3.12-x64']).toBeTruthy();
    expect(simFile(st, MARKER)).toBeUndefined();
  });

  it('3.1.1.4 -> 4.0.x succeeds: Python 3.12 stays and the marker is gone (it belongs to 4.0.x now)', async () => {
    const s = await installedServer('3.1.1.4', '4.0.x', CATALOG);
    const r = await upgradeOn(s.file, '3.1.1.4', '4.0.x');
    expect(r.ok, r.message).toBe(true);
    const st = readState(s.file);
    expect(st.products['python-3.12-x64']).toBeTruthy();
    expect(simFile(st, PY312)).toBeTruthy();
    expect(simFile(st, MARKER)).toBeUndefined();
  });

  it('3.1.1.3 -> 3.1.1.4 (same Python line), fault in switch: Python 3.9 is not touched', async () => {
    const s = await installedServer('3.1.1.3', '3.1.1.4', CATALOG);
    const r = await upgradeOn(s.file, '3.1.1.3', '3.1.1.4', { QATRACK_INSTALLER_FAULT: 'upgrade:switch' });
    expect(r, r.message).toMatchObject({ ok: false, rolledBack: true });
    const st = readState(s.file);
    expect(st.products['python-3.9-x64']).toBeTruthy();
    expect(simFile(st, PY39)).toBeTruthy();
    expect(simFile(st, MARKER)).toBeUndefined();
  });
});

describe('Windows upgrade: the backup folder has its own ACL', { timeout: 120_000 }, () => {
  it('protected, Administrators and SYSTEM full control, nothing for Users; set before the BACKUP writes', async () => {
    const s = await installedServer('3.1.1.4', '4.0.x', CATALOG);
    const r = await upgradeOn(s.file, '3.1.1.4', '4.0.x');
    expect(r.ok, r.message).toBe(true);
    const acl = simWindows(readState(s.file)).acls[r.backupFolder.toLowerCase()];
    expect(acl?.protected).toBe(true);
    // The example answers' SQL Server is remote (sql01): no local service account to grant.
    const grants = acl!.grants.map((g) => `${g.principal}=${g.rights}`).sort();
    expect(grants).toEqual(['*S-1-5-18=F', '*S-1-5-32-544=F']);

    // Order inside the backup phase: folder, ACL, then the BACKUP DATABASE batch and the copies.
    const { spec } = specFor('3.1.1.4', '4.0.x');
    const backup = windowsUpgradePhases(spec).find((p) => p.id === 'backup')!;
    const actions = (await backup.steps[0]!.plan({} as never, null)) as { kind: string }[];
    expect(actions.map((x) => x.kind).slice(0, 3)).toEqual(['mkdir', 'acl', 'sql']);
  });

  it('SQL Server on this machine: its service account (NT SERVICE\\MSSQL$QATRACK) gets Modify, as BACKUP writes as it', async () => {
    const { spec } = specFor('3.1.1.4', '4.0.x');
    spec.answers = { ...spec.answers, database: { ...spec.answers.database, server: 'localhost' } };
    const backup = windowsUpgradePhases(spec).find((p) => p.id === 'backup')!;
    const actions = (await backup.steps[0]!.plan({} as never, null)) as {
      kind: string;
      protect?: boolean;
      grants?: { principal: string; rights: string }[];
    }[];
    const acl = actions.find((x) => x.kind === 'acl')!;
    expect(acl.protect).toBe(true);
    expect(acl.grants!.map((g) => `${g.principal}=${g.rights}`).sort()).toEqual([
      '*S-1-5-18=F',
      '*S-1-5-32-544=F',
      'NT SERVICE\\MSSQL$QATRACK=M',
    ]);
  });
});

/** repair's clean-up after the keep period, as the CLI calls it, with the upgraded release's answers. */
function pruneOn(file: string, to: string, now: Date) {
  const a = answersFor(to, (x) => {
    if (to === '4.0.x') x.database.name = 'qatrackplus40';
  });
  return pruneWindowsPrevious({
    answers: a.answers,
    secrets: a.secrets,
    hostSpec: { kind: 'sim', file },
    catalog: loadCatalogFrom(CATALOG, to),
    releaseRoot: `C:\\QATrack\\releases\\${to}`,
    logFile: path.join(path.dirname(file), 'prune.log'),
    now,
  });
}

const RECORD = 'D:\\QATrackData\\installer\\installed-release.json';
const days = (d: number) => new Date(NOW.getTime() + d * 86_400_000);

describe('repair after the keep period removes the replaced release', { timeout: 240_000 }, () => {
  it('3.1.1.4 -> 4.0.x: before keepUntil nothing goes; after it the old code, venv and database qatrackplus go (backup verified first); again: nothing', async () => {
    const s = await installedServer('3.1.1.4', '4.0.x', CATALOG);
    const r = await upgradeOn(s.file, '3.1.1.4', '4.0.x');
    expect(r.ok, r.message).toBe(true);
    const record = JSON.parse(simFile(readState(s.file), RECORD)!.content!);
    expect(record.previous).toMatchObject({
      release: '3.1.1.4',
      database: 'qatrackplus',
      backupFile: `${r.backupFolder}\\qatrackplus.bak`,
      keepUntil: days(14).toISOString(),
    });

    const early = readFileSync(s.file, 'utf8');
    expect(await pruneOn(s.file, '4.0.x', days(13))).toEqual({ removed: [] });
    expect(readFileSync(s.file, 'utf8')).toBe(early);

    const late = await pruneOn(s.file, '4.0.x', days(15));
    expect(late).toEqual({
      removed: ['C:\\QATrack\\qatrackplus', 'C:\\QATrack\\venv'],
      droppedDatabase: 'qatrackplus',
    });
    const st = readState(s.file);
    expect(Object.keys(simWindows(st).sql.databases)).toEqual(['qatrackplus40']);
    expect(simFile(st, 'C:\\QATrack\\qatrackplus\\manage.py')).toBeUndefined();
    expect(simFile(st, 'C:\\QATrack\\venv\\Scripts\\python.exe')).toBeUndefined();
    expect(simFile(st, 'C:\\QATrack\\releases\\4.0.x\\qatrackplus\\manage.py')).toBeTruthy();
    expect(simFile(st, `${r.backupFolder}\\local_settings.py`)).toBeTruthy(); // the backup stays
    const after = JSON.parse(simFile(st, RECORD)!.content!);
    expect(after.previous).toBeUndefined();
    expect(after).toMatchObject({ release: '4.0.x', releaseDir: 'C:\\QATrack\\releases\\4.0.x' });
    // The verify ran before the drop (the log lists actions in the order they ran).
    const log = readFileSync(path.join(path.dirname(s.file), 'prune.log'), 'utf8');
    expect(log.indexOf('RESTORE VERIFYONLY')).toBeGreaterThan(-1);
    expect(log.indexOf('RESTORE VERIFYONLY')).toBeLessThan(log.indexOf('Drop the old database qatrackplus'));

    const pruned = readFileSync(s.file, 'utf8');
    expect(await pruneOn(s.file, '4.0.x', days(30))).toEqual({ removed: [] });
    expect(readFileSync(s.file, 'utf8')).toBe(pruned);
  });

  it('3.1.1.4 -> 4.0.x, the backup does not verify: the database and the old release are kept, a clear warning; the next repair finishes', async () => {
    const s = await installedServer('3.1.1.4', '4.0.x', CATALOG);
    const r = await upgradeOn(s.file, '3.1.1.4', '4.0.x');
    expect(r.ok, r.message).toBe(true);
    const st0 = readState(s.file);
    // The SQL Server side of a damaged or missing .bak: RESTORE VERIFYONLY fails (sim fault, once).
    st0.faults.push({
      describeIncludes: "Verify the upgrade's backup",
      message: 'SQL Server error 3013: VERIFY DATABASE is terminating abnormally.',
      times: 1,
    });
    writeState(s.file, st0);
    const w = await pruneOn(s.file, '4.0.x', days(15));
    expect(w.removed).toEqual([]);
    expect(w.droppedDatabase).toBeUndefined();
    expect(w.warning).toContain(`its backup ${r.backupFolder}\\qatrackplus.bak did not verify`);
    expect(w.warning).toContain('VERIFY DATABASE is terminating abnormally');
    expect(w.warning).toMatch(
      /nothing was removed: kept the database qatrackplus, C:\\QATrack\\qatrackplus, C:\\QATrack\\venv/,
    );
    const st = readState(s.file);
    expect(Object.keys(simWindows(st).sql.databases).sort()).toEqual(['qatrackplus', 'qatrackplus40']);
    expect(simFile(st, 'C:\\QATrack\\qatrackplus\\manage.py')).toBeTruthy();
    expect(JSON.parse(simFile(st, RECORD)!.content!).previous?.database).toBe('qatrackplus');

    const next = await pruneOn(s.file, '4.0.x', days(16));
    expect(next.droppedDatabase).toBe('qatrackplus');
    expect(Object.keys(simWindows(readState(s.file)).sql.databases)).toEqual(['qatrackplus40']);
  });

  it('3.1.1.3 -> 3.1.1.4 (in place): after keepUntil the old code and venv go, no database is dropped or verified', async () => {
    const s = await installedServer('3.1.1.3', '3.1.1.4', CATALOG);
    const r = await upgradeOn(s.file, '3.1.1.3', '3.1.1.4');
    expect(r.ok, r.message).toBe(true);
    const late = await pruneOn(s.file, '3.1.1.4', days(15));
    expect(late).toEqual({ removed: ['C:\\QATrack\\qatrackplus', 'C:\\QATrack\\venv'] });
    expect(Object.keys(simWindows(readState(s.file)).sql.databases)).toEqual(['qatrackplus']);
    const log = readFileSync(path.join(path.dirname(s.file), 'prune.log'), 'utf8');
    expect(log).not.toContain('VERIFYONLY');
  });
});

describe('the CLI repair runs the clean-up', { timeout: 240_000 }, () => {
  it('repair --host sim:STATE after keepUntil: old database dropped and old code removed, said on stderr', async () => {
    const s = await installedServer('3.1.1.4', '4.0.x', CATALOG);
    const r = await upgradeOn(s.file, '3.1.1.4', '4.0.x');
    expect(r.ok, r.message).toBe(true);
    const st = readState(s.file);
    const rec = JSON.parse(simFile(st, RECORD)!.content!);
    rec.previous.keepUntil = '2020-01-01T00:00:00.000Z';
    writeSimFile(st, RECORD, JSON.stringify(rec));
    writeState(s.file, st);
    const raw = JSON.parse(readFileSync('resources/examples/answers.json', 'utf8'));
    raw.release = '4.0.x';
    raw.database.name = 'qatrackplus40';
    raw.paths.bundleDir = BUNDLE('4.0.x');
    const answers = path.join(path.dirname(s.file), 'answers-4.0.x.json');
    writeFileSync(answers, JSON.stringify(raw));
    const rep = await runCli([
      'repair',
      '--host',
      `sim:${s.file}`,
      '--answers',
      answers,
      '--catalog-dir',
      CATALOG,
      '--yes',
    ]);
    expect(rep.stderr).toContain('Dropped the old database qatrackplus (its backup verified).');
    expect(rep.stderr).toContain('Removed C:\\QATrack\\qatrackplus: the release it holds was replaced');
    expect(Object.keys(simWindows(readState(s.file)).sql.databases)).toEqual(['qatrackplus40']);
    // Only the clean-up is asserted here: the rest of a Windows repair planning for the upgraded
    // release's folder (installed-release.json's releaseDir) is not part of this change.
  });
});

/**
 * Golden transcript of a rollback (fault in health, 3.1.1.4 -> 4.0.x): every rollback phase and the
 * actions it ran, in order, ending with the uninstall of the Python 3.12 the upgrade installed.
 * UPDATE_GOLDEN=1 rewrites it.
 */
describe('golden Windows rollback', { timeout: 120_000 }, () => {
  it('3.1.1.4 -> 4.0.x, fault in health: matches test/golden/windows/rollback-3.1.1.4-to-4.0.x-health.txt', async () => {
    const s = await installedServer('3.1.1.4', '4.0.x', CATALOG);
    const lines: string[] = [];
    let rolling = false;
    const r = await upgradeOn(
      s.file,
      '3.1.1.4',
      '4.0.x',
      { QATRACK_INSTALLER_FAULT: 'upgrade:health' },
      (e) => {
        if (e.type === 'rollback') {
          rolling = true;
          lines.push(`## ${e.describe}`);
        } else if (rolling && e.type === 'upgrade-log') lines.push(`- ${e.message}`);
      },
    );
    expect(r.rolledBack).toBe(true);
    const text = `${lines.join('\n')}\n`;
    expect(text).toMatch(
      /## Uninstall Python 3\.12\.10 if the upgrade installed it\n- Uninstall Python 3\.12\.10 from C:\\QATrack\\python312-x64/,
    );
    const file = 'test/golden/windows/rollback-3.1.1.4-to-4.0.x-health.txt';
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, text);
    expect(text).toBe(readFileSync(file, 'utf8'));
  });
});
