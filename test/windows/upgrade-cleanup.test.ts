import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWindowsUpgrade, type WinUpgradeOutcome } from '../../electron/app/upgrade/windows-upgrade.js';
import {
  UPGRADE_PYTHON_FILE,
  windowsUpgradePhases,
  type WinUpgradeSpec,
} from '../../electron/app/upgrade/windows-phases.js';
import { loadCatalogFrom } from '../../electron/cli/prepare.js';
import { writeSimFile } from '../../electron/hosts/sim/effects.js';
import { simFile, simWindows } from '../../electron/hosts/sim/windows/state.js';
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
): Promise<WinUpgradeOutcome> {
  const { spec, secrets } = specFor(from, to);
  return runWindowsUpgrade({
    spec,
    secrets,
    hostSpec: { kind: 'sim', file },
    logFile: path.join(path.dirname(file), 'upgrade.log'),
    onEvent: () => undefined,
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
