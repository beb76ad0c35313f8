import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { simHttp } from '../../electron/hosts/sim/windows/http.js';
import { simFile, simWindows } from '../../electron/hosts/sim/windows/state.js';
import { runCli, startCli } from '../support/cli.js';
import { CANARY, readState, writeState } from '../support/windows-sim.js';
import { BUNDLE, comparable, installedServer, upgradeCatalogDir, withBundle } from './upgrade-support.js';
import { answersFile } from './upgrade-cli-support.js';

const CATALOG = upgradeCatalogDir();

async function server(from: string, to: string) {
  const s = await installedServer(from, to, CATALOG);
  const dir = path.dirname(s.file);
  // The running deployment's answers, paths.bundleDir naming the new release's bundle.
  return { ...s, dir, answers: answersFile(dir, from, to) };
}

const upgrade = (
  s: { file: string; answers: string },
  to: string,
  extra: string[] = [],
  env: Record<string, string> = {},
) =>
  runCli(
    [
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
    ],
    { env },
  );

const publicLogin = (file: string) =>
  simHttp(readState(file), {
    kind: 'http',
    url: 'https://qatrack.hospital.local/accounts/login/',
    hostHeader: 'qatrack.hospital.local',
  });

/** Every text the run left on the sim host's side: state, logs. */
function writtenText(dir: string): string {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!e.name.startsWith('answers-')) out.push(readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out.join('\n');
}

describe('Windows upgrade on the sim host', { timeout: 240_000 }, () => {
  it('3.1.1.4 -> 4.0.x: plan (exit 2, nothing changed), then --yes: new database, Python 3.12 beside 3.9, services on 4.0, record; a rerun changes nothing', async () => {
    const s = await server('3.1.1.4', '4.0.x');
    const before = readFileSync(s.file, 'utf8');
    const plan = await upgrade(s, '4.0.x');
    expect(plan.exitCode, plan.stderr).toBe(2);
    expect(plan.stdout).toContain(
      'Upgrade QATrack+ 3.1.1.4 -> 4.0.x (restore into the new database qatrackplus40)',
    );
    expect(plan.stdout).toContain('COPY_ONLY');
    expect(readFileSync(s.file, 'utf8')).toBe(before);

    const r = await upgrade(s, '4.0.x', ['--yes']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3\.1\.1\.4 -> 4\.0\.x: upgraded \(database qatrackplus40\)/);
    // Order of issue 12, as the phases started.
    const started = [...r.stderr.matchAll(/^\[upgrade\] (.*)$/gm)].map((m) => m[1]!);
    expect(started[0]).toMatch(/^IIS answers 503/);
    expect(started[1]).toMatch(/^Back up the database/);
    expect(started.findIndex((x) => x.startsWith('Restore the backup'))).toBeGreaterThan(2);
    const st = readState(s.file);
    const w = simWindows(st);
    expect(Object.keys(w.sql.databases).sort()).toEqual(['qatrackplus', 'qatrackplus40']);
    expect(w.sql.databases.qatrackplus40!.users.qatrack!.roles).toContain('db_owner');
    // Python 3.12 per-machine beside the 3.9 the running release keeps.
    expect(Object.keys(st.products)).toEqual(expect.arrayContaining(['python-3.9-x64', 'python-3.12-x64']));
    const settings = simFile(st, 'C:\\QATrack\\releases\\4.0.x\\qatrackplus\\qatrack\\local_settings.py')!;
    expect(settings.content).toContain('"ENGINE": "mssql"');
    expect(settings.content).toContain('"NAME": "qatrackplus40"');
    const xml = simFile(st, 'C:\\QATrack\\services\\QATrackWorker1.xml')!.content!;
    expect(xml).toContain('C:\\QATrack\\releases\\4.0.x\\venv\\Scripts\\python.exe');
    expect(st.services.QATrackWorker1!.state).toBe('running');
    expect(
      w.registry['hklm\\software\\microsoft\\windows\\currentversion\\uninstall\\qatrack+']?.DisplayVersion,
    ).toBe('4.0.x');
    const record = JSON.parse(simFile(st, 'D:\\QATrackData\\installer\\installed-release.json')!.content!);
    expect(record).toMatchObject({
      release: '4.0.x',
      previous: { release: '3.1.1.4', releaseDir: 'C:\\QATrack' },
    });
    expect(record.answers.database.name).toBe('qatrackplus40');
    // The backup: .bak file, media, settings and key in the folder the message names.
    const folder = /the backup is in (\S+)\./.exec(r.stdout)![1]!;
    for (const f of ['local_settings.py', 'secret_key.txt', 'media\\uploads\\scan 1.dcm'])
      expect(simFile(st, `${folder}\\${f}`), f).toBeTruthy();
    const site = publicLogin(s.file);
    expect(site.ok && site.status).toBe(200);
    expect(simFile(st, 'D:\\QATrackData\\iisroot\\maintenance.html')).toBeUndefined();
    // Old release kept.
    expect(
      simFile(st, 'C:\\QATrack\\venv\\Scripts\\python.exe') ??
        simFile(st, 'C:\\QATrack\\qatrackplus\\manage.py'),
    ).toBeTruthy();
    expect(writtenText(s.dir)).not.toContain(CANARY);
    expect(r.stdout + r.stderr + plan.stdout).not.toContain(CANARY);

    const upgraded = readFileSync(s.file, 'utf8');
    const again = await upgrade(s, '4.0.x', ['--yes']);
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/4\.0\.x is already installed/);
    expect(readFileSync(s.file, 'utf8')).toBe(upgraded);
  });

  it('3.1.1.3 -> 3.1.1.4: migrates the running database in place after the backup; services on releases\\3.1.1.4', async () => {
    const s = await server('3.1.1.3', '3.1.1.4');
    const r = await upgrade(s, '3.1.1.4', ['--yes', '--json']);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    // --json: the plan, every event and the result as JSON lines; none holds a secret.
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: 'upgradePlan', from: '3.1.1.3', to: '3.1.1.4', path: 'in-place' });
    expect(lines.at(-1)).toMatchObject({ type: 'upgrade-result', ok: true, exitCode: 0 });
    expect(lines.filter((l) => l.type === 'upgrade-phase').length).toBeGreaterThan(10);
    expect(r.stdout + r.stderr).not.toContain(CANARY);
    const st = readState(s.file);
    expect(Object.keys(simWindows(st).sql.databases)).toEqual(['qatrackplus']);
    const xml = simFile(st, 'C:\\QATrack\\services\\QATrackWorker1.xml')!.content!;
    expect(xml).toContain('C:\\QATrack\\releases\\3.1.1.4\\venv\\Scripts\\python.exe');
    expect(r.stdout).not.toMatch(/Restore the backup as the new database/);
    expect(r.stdout).toMatch(/Back up database qatrackplus .* \(copy-only, with checksum, verified\)/);
    const again = await upgrade(s, '3.1.1.4');
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/already installed/);
  });

  for (const c of [
    { from: '3.1.1.4', to: '4.0.x', fault: 'health', db: 'qatrackplus40 dropped' },
    { from: '3.1.1.4', to: '4.0.x', fault: 'restore-database', db: 'qatrackplus40 dropped' },
    { from: '3.1.1.3', to: '3.1.1.4', fault: 'migrate', db: 'qatrackplus restored from the backup' },
    { from: '3.1.1.3', to: '3.1.1.4', fault: 'switch', db: 'qatrackplus restored from the backup' },
  ])
    it(`${c.from} -> ${c.to}, fault in ${c.fault}: rolled back, exit 1, services' XML, IIS rules and databases as before`, async () => {
      const s = await server(c.from, c.to);
      const before = comparable(readState(s.file));
      const r = await upgrade(s, c.to, ['--yes'], { QATRACK_INSTALLER_FAULT: `upgrade:${c.fault}` });
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stdout).toContain(`failed in ${c.fault}: injected fault`);
      expect(r.stdout).toContain(`Rolled back: ${c.from} is running again`);
      expect(r.stdout).toContain(c.db);
      expect(r.stdout).toMatch(/The backup is in E:\\QATrackBackups\\upgrade-/);
      const after = readState(s.file);
      expect(comparable(after)).toEqual(before);
      expect(simFile(after, `C:\\QATrack\\releases\\${c.to}\\qatrackplus\\manage.py`)).toBeUndefined();
      const site = publicLogin(s.file);
      expect(site.ok && site.status).toBe(200);
      expect(r.stdout + r.stderr).not.toContain(CANARY);
      expect(writtenText(s.dir)).not.toContain(CANARY);
    });

  it('cancel (SIGINT) while migrating 3 -> 4: rolled back, exit 130, the phase and the backup named', async () => {
    const s = await server('3.1.1.4', '4.0.x');
    const before = comparable(readState(s.file));
    const child = startCli(
      [
        'upgrade',
        '--release',
        '4.0.x',
        '--host',
        `sim:${s.file}`,
        '--answers',
        s.answers,
        '--catalog-dir',
        CATALOG,
        '--yes',
      ],
      { env: { QATRACK_INSTALLER_FAULT: 'upgrade:migrate:hang' } },
    );
    let seen = '';
    await new Promise<void>((resolve) => {
      child.stderr!.on('data', (b: Buffer) => {
        seen += String(b);
        if (/\[upgrade\] Collect|Apply 4\.0\.x's database migrations to qatrackplus40 on/.test(seen))
          resolve();
      });
    });
    // The migrate action ran; the fault holds the run in migrate until the cancel.
    await new Promise((r) => setTimeout(r, 500));
    // Meanwhile a client sees 503 + the maintenance page; the server itself still reaches the
    // workers through IIS (the maintenance rule's {REMOTE_ADDR} condition).
    const during = publicLogin(s.file);
    expect(during.ok && during.status).toBe(503);
    expect(during.ok && during.body).toContain('QATrack+ is being upgraded');
    const local = simHttp(readState(s.file), {
      kind: 'http',
      url: 'https://127.0.0.1/accounts/login/',
      hostHeader: 'qatrack.hospital.local',
    });
    expect(local.ok && local.status).toBe(200);
    const config = simFile(readState(s.file), 'D:\\QATrackData\\iisroot\\web.config')!.content!;
    const lint = spawnSync('xmllint', ['--noout', '-'], { input: config });
    expect(lint.status, String(lint.stderr)).toBe(0);
    expect(config).toMatch(/<action type="CustomResponse" statusCode="503"/);
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode, String(r.stdout) + String(r.stderr)).toBe(130);
    expect(String(r.stdout)).toMatch(/was cancelled in migrate\. Rolled back: 3\.1\.1\.4 is running again/);
    expect(String(r.stdout)).toMatch(/The backup is in E:\\QATrackBackups\\upgrade-3\.1\.1\.4-to-4\.0\.x-/);
    expect(comparable(readState(s.file))).toEqual(before);
  });

  it('bad input: downgrade, unknown release, too little disk for the backup, a bundle of another release: exit 64, nothing changed', async () => {
    const s = await server('3.1.1.4', '4.0.x');
    const text = () => readFileSync(s.file, 'utf8');
    const original = text();
    const refused = async (to: string, field: RegExp) => {
      const r = await upgrade(s, to, ['--yes']);
      expect(r.exitCode, r.stdout + r.stderr).toBe(64);
      expect(r.stdout + r.stderr).toMatch(field);
      expect(r.stdout + r.stderr).toContain('nothing was changed');
      expect(r.stdout + r.stderr).not.toContain(CANARY);
    };
    await refused(
      '3.1.1.3',
      /--release: 3\.1\.1\.3 is older than the installed 3\.1\.1\.4; a downgrade is not supported/,
    );
    expect(text()).toBe(original);
    await refused('9.9.9', /--release: unknown release 9\.9\.9; the catalog has/);
    expect(text()).toBe(original);

    const small = readState(s.file);
    small.os.freeDiskBytes = 1_000_000;
    writeState(s.file, small);
    const tight = text();
    await refused(
      '4.0.x',
      /Backup folder \(backup\.folder\): E:\\QATrackBackups has 1000000 bytes free; the backup needs about \d+/,
    );
    expect(text()).toBe(tight);

    const wrong = withBundle(readState(s.file), BUNDLE('4.0.x'), '3.1.1.4');
    wrong.os.freeDiskBytes = 200 * 1024 ** 3;
    writeState(s.file, wrong);
    const wrongText = text();
    await refused('4.0.x', /\(paths\.bundleDir\): the bundle holds release 3\.1\.1\.4, not 4\.0\.x/);
    expect(text()).toBe(wrongText);
  });
});
