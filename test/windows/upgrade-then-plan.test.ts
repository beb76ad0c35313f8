import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { simFile, simWindows } from '../../electron/hosts/sim/windows/state.js';
import { runCli } from '../support/cli.js';
import { CANARY, readState } from '../support/windows-sim.js';
import { answersFile } from './upgrade-cli-support.js';
import { installedServer, upgradeCatalogDir } from './upgrade-support.js';

/**
 * After a Windows upgrade on the sim host, `plan` and `repair` read the installed-release record
 * on the server: with the answers the upgrade remembered (4.0.x, qatrackplus40) and with the old
 * answers file alike, the plan is for 4.0.x in releases\4.0.x and has nothing to do (exit 0), not
 * changes back toward 3.1.1.4 in C:\QATrack.
 */

const CATALOG = upgradeCatalogDir();
const REMEMBERED = 'C:\\ProgramData\\QATrack+ Installer\\last-answers.json';

const on = (command: string, file: string, answers: string, env: Record<string, string> = {}) =>
  runCli([command, '--host', `sim:${file}`, '--answers', answers, '--catalog-dir', CATALOG, '--json'], {
    env,
  });

describe('plan and repair after a Windows upgrade (sim host)', { timeout: 240_000 }, () => {
  it('plan with the remembered answers and with the old answers is for 4.0.x in releases\\4.0.x, nothing toward 3.1.1.4; after repair, plan exits 0 and a second repair changes nothing', async () => {
    const s = await installedServer('3.1.1.4', '4.0.x', CATALOG);
    const dir = path.dirname(s.file);
    const oldAnswers = answersFile(dir, '3.1.1.4', '4.0.x');
    const up = await runCli([
      'upgrade',
      '--release',
      '4.0.x',
      '--host',
      `sim:${s.file}`,
      '--answers',
      oldAnswers,
      '--catalog-dir',
      CATALOG,
      '--yes',
    ]);
    expect(up.exitCode, up.stdout + up.stderr).toBe(0);
    const w = simWindows(readState(s.file));
    // The new release's local_settings.py (passwords) is restricted like the install's own ...
    const acl = w.acls['c:\\qatrack\\releases\\4.0.x\\qatrackplus\\qatrack\\local_settings.py'];
    expect(acl?.protected).toBe(true);
    expect(JSON.stringify(acl)).not.toMatch(/S-1-5-32-545|\bUsers\b/);
    // ... and the nightly backup now backs up the database the site runs on.
    const task = w.tasks['\\QATrack+\\Nightly backup']!.xml;
    expect(task).toContain('"qatrackplus40"');
    // The restored database is a copy: the reports login's DENYs came along.
    const dbs = simWindows(readState(s.file)).sql.databases;
    expect(dbs.qatrackplus!.denied.qatrack_reports!.length).toBeGreaterThan(0);
    expect(dbs.qatrackplus40!.denied).toEqual(dbs.qatrackplus!.denied);

    // The remembered answers hold env references for the secrets; the test provides them.
    const remembered = simFile(readState(s.file), REMEMBERED)!.content!;
    expect(remembered).not.toContain(CANARY);
    const raw = JSON.parse(remembered);
    expect(raw.release).toBe('4.0.x');
    expect(raw.database.name).toBe('qatrackplus40');
    const rememberedFile = path.join(dir, 'remembered.json');
    writeFileSync(rememberedFile, remembered);
    // The same values the old answers file holds inline (local_settings.py is compared by content).
    const example = JSON.parse(readFileSync('resources/examples/answers.json', 'utf8'));
    const env = {
      QATRACK_SECRET_DATABASE_LOGIN_PASSWORD: CANARY,
      QATRACK_SECRET_DATABASE_READONLY_LOGIN_PASSWORD: example.database.readonlyLogin.password,
      QATRACK_SECRET_ADMIN_PASSWORD: example.admin.password,
      QATRACK_SECRET_EMAIL_PASSWORD: example.email.password,
    };

    for (const [which, answers, vars] of [
      ['remembered', rememberedFile, env],
      ['old', oldAnswers, {}],
    ] as const) {
      const plan = await on('plan', s.file, answers, vars);
      const result = JSON.parse(plan.stdout.trim().split('\n').at(-1)!) as {
        release: string;
        changes: number;
        steps: { id: string; actions: { describe: string }[] }[];
      };
      expect(result.release, which).toBe('4.0.x');
      const actions = result.steps.flatMap((st) => st.actions.map((a) => ({ step: st.id, ...a })));
      // Nothing toward the old release: its code folder, its venv, its database, its services.
      for (const a of actions) {
        expect(a.describe, which).not.toMatch(/3\.1\.1\.4|C:\\QATrack\\venv|C:\\QATrack\\qatrackplus\\/);
        expect(a.describe, which).not.toMatch(/[Dd]atabase "?qatrackplus\b(?!40)/);
      }
      expect(result.steps.find((st) => st.id === 'win-services')!.actions, which).toEqual([]);
      expect(result.steps.find((st) => st.id === 'local-settings')!.actions, which).toEqual([]);
      expect(result.steps.find((st) => st.id === 'venv')!.actions, which).toEqual([]);
      // The upgrade restricted the new local_settings.py (stage phase) and pointed the nightly backup
      // at the new database (record phase): nothing is left to plan.
      expect(actions, which).toEqual([]);
      expect(plan.exitCode, which).toBe(0);
      expect(plan.stdout + plan.stderr).not.toContain(CANARY);
    }

    // repair with the remembered answers changes nothing either, and plan still exits 0.
    const repair = await on('repair', s.file, rememberedFile, env);
    expect(repair.exitCode, repair.stdout + repair.stderr).toBe(0);
    const xml = simFile(readState(s.file), 'C:\\QATrack\\services\\QATrackWorker1.xml')!.content!;
    expect(xml).toContain('C:\\QATrack\\releases\\4.0.x\\venv\\Scripts\\python.exe');
    const after = await on('plan', s.file, oldAnswers);
    expect(after.exitCode, after.stdout).toBe(0);
    const settled = readFileSync(s.file, 'utf8');
    const again = await on('repair', s.file, oldAnswers);
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    expect(readFileSync(s.file, 'utf8')).toBe(settled);
  });
});
