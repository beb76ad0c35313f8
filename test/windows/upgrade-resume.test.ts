import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { simHttp } from '../../electron/hosts/sim/windows/http.js';
import { simFile, simWindows } from '../../electron/hosts/sim/windows/state.js';
import { runCli, startCli } from '../support/cli.js';
import { CANARY, readState } from '../support/windows-sim.js';
import { comparable, installedServer, upgradeCatalogDir } from './upgrade-support.js';
import { answersFile, STATE_FILE, waitFor } from './upgrade-cli-support.js';

/**
 * SIGKILL during a Windows upgrade on the sim host, then `repair`: it converges on one release from
 * the upgrade state the run left on the target. Killed before the health check passed -> rolled
 * back (the phases reached, as a failure would be); after it -> finished (maintenance off, record,
 * keep old). Either way the state is gone and a second repair changes nothing.
 */

const CATALOG = upgradeCatalogDir();

async function server(from: string, to: string) {
  const s = await installedServer(from, to, CATALOG);
  return { ...s, answers: answersFile(path.dirname(s.file), from, to) };
}

type Server = { file: string; answers: string; target: string };
const cli = (command: string, s: Server, extra: string[] = []) => [
  command,
  ...(command === 'upgrade' ? ['--release', s.target] : []),
  '--host',
  `sim:${s.file}`,
  '--answers',
  s.answers,
  '--catalog-dir',
  CATALOG,
  ...extra,
];

/** Starts the upgrade with a hang fault, waits for the phase line, then SIGKILLs it. */
async function killedIn(
  s: Server,
  phase: string,
  line: RegExp,
  meanwhile: () => Promise<void> = () => Promise.resolve(),
) {
  const child = startCli(cli('upgrade', s, ['--yes']), {
    env: { QATRACK_INSTALLER_FAULT: `upgrade:${phase}:hang` },
  });
  await waitFor(child, line);
  // The phase's actions ran; the fault holds the run there.
  await new Promise((r) => setTimeout(r, 700));
  await meanwhile();
  child.kill('SIGKILL');
  const r = await child;
  expect(r.signal).toBe('SIGKILL');
  expect(simFile(readState(s.file), STATE_FILE)).toBeTruthy();
}

const publicLogin = (file: string) =>
  simHttp(readState(file), {
    kind: 'http',
    url: 'https://qatrack.hospital.local/accounts/login/',
    hostHeader: 'qatrack.hospital.local',
  });

describe('repair after a SIGKILLed Windows upgrade (sim host)', { timeout: 300_000 }, () => {
  it('killed in migrate (3.1.1.4 -> 4.0.x): repair rolls back; 3.1.1.4 runs, qatrackplus40 dropped, state gone; a second repair changes nothing', async () => {
    const s = await server('3.1.1.4', '4.0.x');
    const before = comparable(readState(s.file));
    await killedIn(s, 'migrate', /Apply 4\.0\.x's database migrations to qatrackplus40 on/, async () => {
      // While the upgrade still runs, repair leaves it alone.
      const during = readFileSync(s.file, 'utf8');
      const r = await runCli(cli('repair', s));
      expect(r.exitCode, r.stdout + r.stderr).not.toBe(0);
      expect(r.stderr).toContain('UPGRADE_RUNNING');
      expect(r.stderr).toMatch(
        /An upgrade 3\.1\.1\.4 -> 4\.0\.x is still running \(pid \d+\); repair changed nothing\./,
      );
      expect(readFileSync(s.file, 'utf8')).toBe(during);
    });
    expect(Object.keys(simWindows(readState(s.file)).sql.databases)).toContain('qatrackplus40');
    expect(publicLogin(s.file)).toMatchObject({ status: 503 });

    const r = await runCli(cli('repair', s));
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'The interrupted upgrade 3.1.1.4 -> 4.0.x (stopped in migrate) was rolled back: 3.1.1.4 is running again on qatrackplus (untouched; qatrackplus40 dropped).',
    );
    const st = readState(s.file);
    expect(simFile(st, STATE_FILE)).toBeUndefined();
    expect(Object.keys(simWindows(st).sql.databases)).toEqual(['qatrackplus']);
    expect(simFile(st, 'C:\\QATrack\\releases\\4.0.x\\qatrackplus\\manage.py')).toBeUndefined();
    // One release: every service on 3.1.1.4's venv, running.
    const xml = simFile(st, 'C:\\QATrack\\services\\QATrackWorker1.xml')!.content!;
    expect(xml).toContain('C:\\QATrack\\venv\\Scripts\\python.exe');
    expect(xml).not.toContain('releases\\4.0.x');
    expect(st.services.QATrackWorker1!.state).toBe('running');
    expect(comparable(st)).toEqual(before);
    expect(publicLogin(s.file)).toMatchObject({ status: 200 });
    expect(simFile(st, 'D:\\QATrackData\\installer\\installed-release.json')).toBeUndefined();
    expect(r.stdout + r.stderr).not.toContain(CANARY);

    const settled = readFileSync(s.file, 'utf8');
    const again = await runCli(cli('repair', s));
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).not.toContain('interrupted upgrade');
    expect(readFileSync(s.file, 'utf8')).toBe(settled);
  });

  it('killed in migrate on the in-place path (3.1.1.3 -> 3.1.1.4): repair restores qatrackplus from the backup; services on 3.1.1.3 as before', async () => {
    const s = await server('3.1.1.3', '3.1.1.4');
    const before = comparable(readState(s.file));
    await killedIn(s, 'migrate', /Apply 3\.1\.1\.4's database migrations to qatrackplus on/);
    const r = await runCli(cli('repair', s));
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain('  - Restore qatrackplus from the backup');
    expect(r.stdout).toContain(
      'The interrupted upgrade 3.1.1.3 -> 3.1.1.4 (stopped in migrate) was rolled back: 3.1.1.3 is running again, qatrackplus restored from the backup.',
    );
    const st = readState(s.file);
    expect(simFile(st, STATE_FILE)).toBeUndefined();
    expect(comparable(st)).toEqual(before);
  });

  it('killed after the health check passed (in maintenance-off): repair finishes to 4.0.x; record, services and site on 4.0.x, state gone; a second repair changes nothing', async () => {
    const s = await server('3.1.1.4', '4.0.x');
    await killedIn(s, 'maintenance-off', /\[upgrade\] IIS proxies to the workers again/);

    const r = await runCli(cli('repair', s));
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(
      'The interrupted upgrade 3.1.1.4 -> 4.0.x had passed its health check: finished, 4.0.x is installed.',
    );
    const st = readState(s.file);
    expect(simFile(st, STATE_FILE)).toBeUndefined();
    const record = JSON.parse(simFile(st, 'D:\\QATrackData\\installer\\installed-release.json')!.content!);
    expect(record).toMatchObject({ release: '4.0.x', releaseDir: 'C:\\QATrack\\releases\\4.0.x' });
    expect(Object.keys(simWindows(st).sql.databases).sort()).toEqual(['qatrackplus', 'qatrackplus40']);
    const xml = simFile(st, 'C:\\QATrack\\services\\QATrackWorker1.xml')!.content!;
    expect(xml).toContain('C:\\QATrack\\releases\\4.0.x\\venv\\Scripts\\python.exe');
    expect(st.services.QATrackWorker1!.state).toBe('running');
    expect(
      simWindows(st).registry['hklm\\software\\microsoft\\windows\\currentversion\\uninstall\\qatrack+']
        ?.DisplayVersion,
    ).toBe('4.0.x');
    expect(simFile(st, 'D:\\QATrackData\\iisroot\\maintenance.html')).toBeUndefined();
    expect(publicLogin(s.file)).toMatchObject({ status: 200 });
    expect(r.stdout + r.stderr).not.toContain(CANARY);

    const settled = readFileSync(s.file, 'utf8');
    const again = await runCli(cli('repair', s));
    expect(again.exitCode, again.stdout + again.stderr).toBe(0);
    expect(readFileSync(s.file, 'utf8')).toBe(settled);
  });
});
