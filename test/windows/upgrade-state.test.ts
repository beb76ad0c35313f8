import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { winUpgradeStateSchema } from '../../electron/engine/upgrade/upgrade-state.js';
import { simFile } from '../../electron/hosts/sim/windows/state.js';
import { runCli, startCli } from '../support/cli.js';
import { CANARY, readState } from '../support/windows-sim.js';
import { answersFile, STATE_FILE, waitFor } from './upgrade-cli-support.js';
import { installedServer, upgradeCatalogDir } from './upgrade-support.js';

/**
 * The Windows upgrade's state record on the target (the sim state's files here): written as each
 * phase starts, gone when the run ends (success or rollback), and while it is there `upgrade`
 * refuses with UPGRADE_PENDING (exit 64, nothing changed), as on posix.
 */

const CATALOG = upgradeCatalogDir();
async function server(from: string, to: string) {
  const s = await installedServer(from, to, CATALOG);
  return { ...s, answers: answersFile(path.dirname(s.file), from, to) };
}

const args = (s: { file: string; answers: string }, to: string, extra: string[] = []) => [
  'upgrade',
  '--release',
  to,
  '--host',
  `sim:${s.file}`,
  '--answers',
  s.answers,
  '--catalog-dir',
  CATALOG,
  ...extra,
];

const pendingState = (file: string) => {
  const f = simFile(readState(file), STATE_FILE);
  return f?.content ? winUpgradeStateSchema.parse(JSON.parse(f.content)) : undefined;
};

describe('Windows upgrade state record', { timeout: 240_000 }, () => {
  it('written before each phase on the target; upgrade refuses while it is there (UPGRADE_PENDING, exit 64, nothing changed); gone after the rollback', async () => {
    const s = await server('3.1.1.4', '4.0.x');
    const child = startCli(args(s, '4.0.x', ['--yes']), {
      env: { QATRACK_INSTALLER_FAULT: 'upgrade:migrate:hang' },
    });
    await waitFor(child, /Apply 4\.0\.x's database migrations to qatrackplus40 on/);
    await new Promise((r) => setTimeout(r, 500));
    const st = pendingState(s.file)!;
    expect(st).toMatchObject({
      host: 'windows',
      from: '3.1.1.4',
      to: '4.0.x',
      phase: 'migrate',
      newDatabase: 'qatrackplus40',
      toDir: 'C:\\QATrack\\releases\\4.0.x',
      fromDir: 'C:\\QATrack',
    });
    expect(st.reached).toEqual(
      expect.arrayContaining(['maintenance-on', 'backup', 'stage-release', 'restore-database', 'migrate']),
    );
    expect(st.done).toContain('restore-database');
    expect(st.done).not.toContain('migrate');
    expect(st.backupDir).toMatch(/^E:\\QATrackBackups\\upgrade-3\.1\.1\.4-to-4\.0\.x-/);
    // Secrets as env references only.
    const raw = simFile(readState(s.file), STATE_FILE)!.content!;
    expect(raw).not.toContain(CANARY);
    expect(raw).toContain('"env": "QATRACK_SECRET_DATABASE_LOGIN_PASSWORD"');

    const before = readFileSync(s.file, 'utf8');
    const again = await runCli(args(s, '4.0.x', ['--yes']));
    expect(again.exitCode, again.stdout + again.stderr).toBe(64);
    expect(again.stderr).toContain('UPGRADE_PENDING');
    expect(again.stderr).toContain(
      'An upgrade 3.1.1.4 -> 4.0.x was interrupted in migrate; nothing was changed.',
    );
    expect(readFileSync(s.file, 'utf8')).toBe(before);

    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode, String(r.stdout) + String(r.stderr)).toBe(130);
    expect(pendingState(s.file)).toBeUndefined();
  });

  it('gone after a successful upgrade and after a failed one that rolled back', async () => {
    const ok = await server('3.1.1.3', '3.1.1.4');
    const r = await runCli(args(ok, '3.1.1.4', ['--yes']));
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(pendingState(ok.file)).toBeUndefined();

    const bad = await server('3.1.1.3', '3.1.1.4');
    const f = await runCli(args(bad, '3.1.1.4', ['--yes']), {
      env: { QATRACK_INSTALLER_FAULT: 'upgrade:switch' },
    });
    expect(f.exitCode, f.stdout + f.stderr).toBe(1);
    expect(f.stdout).toContain('Rolled back: 3.1.1.3 is running again');
    expect(pendingState(bad.file)).toBeUndefined();
  });
});
