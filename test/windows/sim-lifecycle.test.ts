import { describe, expect, it } from 'vitest';
import { cleanServer, withExistingSql, withPortHolder } from '../../electron/hosts/sim/windows/seed.js';
import { simWindows } from '../../electron/hosts/sim/windows/state.js';
import { exampleAnswers, newStateFile, readState, sim, writeState } from '../support/windows-sim.js';

describe('Windows lifecycle on sim', () => {
  it('reconfigures from 3 to 4 workers: a new service, a new farm server, nothing else rebuilt', async () => {
    const three = exampleAnswers();
    const file = newStateFile(withExistingSql(cleanServer()));
    expect((await sim('install', file, three)).error ?? null).toBeNull();
    const four = exampleAnswers((a) => (a.workers.count = 4));
    const plan = await sim('plan', file, four);
    const changed = plan.steps.filter((s) => s.actions.length).map((s) => s.id);
    expect(changed).toEqual(['win-services', 'win-iis-site', 'win-hardening']);
    expect(
      plan.steps
        .find((s) => s.id === 'win-services')!
        .actions.some((a) => a.describe.includes('QATrack+ Worker 1')),
    ).toBe(false);
    expect((await sim('install', file, four)).error ?? null).toBeNull();
    const farm = simWindows(readState(file)).iis.webFarms[0]!;
    expect(farm.servers).toContainEqual({ address: '127.0.0.4', httpPort: 8004 });
    expect((await sim('plan', file, four)).changes).toBe(0);
  });

  it('one stopped worker leaves the site answering through the other farm servers', async () => {
    const a = exampleAnswers();
    const file = newStateFile(withExistingSql(cleanServer()));
    await sim('install', file, a);
    const s = readState(file);
    s.services.QATrackWorker1!.state = 'stopped';
    writeState(file, s);
    const v = await sim('verify', file, a);
    const check = (id: string) => v.checks.find((c) => c.id === id)!;
    expect(check('verify.worker.1').ok).toBe(false);
    expect(check('verify.site').ok).toBe(true);
    expect(check('verify.static').ok).toBe(true);
    for (const w of ['QATrackWorker2', 'QATrackWorker3']) s.services[w]!.state = 'stopped';
    writeState(file, s);
    const down = await sim('verify', file, a);
    expect(down.checks.find((c) => c.id === 'verify.site')!.detail).toContain('502');
  });

  it('records the installed release in a hidden Uninstall key; a rerun leaves it; uninstall removes the key', async () => {
    const a = exampleAnswers();
    const file = newStateFile(withExistingSql(cleanServer()));
    expect((await sim('install', file, a)).error ?? null).toBeNull();
    const key = 'hklm\\software\\microsoft\\windows\\currentversion\\uninstall\\qatrack+';
    // Learn, "Uninstall Registry Key": DisplayName/DisplayVersion/InstallLocation; SystemComponent 1
    // keeps it out of Programs and Features (the installer app's entry is the visible one).
    expect(simWindows(readState(file)).registry[key]).toMatchObject({
      DisplayName: 'QATrack+',
      DisplayVersion: '3.1.1.4',
      InstallLocation: 'C:\\QATrack',
      SystemComponent: 1,
    });
    const v = await sim('verify', file, a);
    expect(v.checks.find((c) => c.id === 'release.record')).toMatchObject({ ok: true });
    // Someone edits the version by hand: repair's plan puts exactly that value back.
    const s = readState(file);
    simWindows(s).registry[key]!.DisplayVersion = '0.0';
    writeState(file, s);
    const drift = await sim('plan', file, a);
    expect(drift.steps.find((x) => x.id === 'win-release-record')!.actions.map((x) => x.describe)).toEqual([
      expect.stringMatching(/^Set DisplayVersion = 3\.1\.1\.4 in /),
    ]);
    expect((await sim('install', file, a)).error ?? null).toBeNull();
    expect((await sim('plan', file, a)).changes).toBe(0);
    expect((await sim('uninstall', file, a)).error ?? null).toBeNull();
    expect(simWindows(readState(file)).registry[key]).toBeUndefined();
  });

  it('uninstall removes services, site, farm, firewall rule and task, and keeps the database and data', async () => {
    const a = exampleAnswers();
    const file = newStateFile(withExistingSql(cleanServer()));
    await sim('install', file, a);
    const r = await sim('uninstall', file, a);
    expect(r.error ?? null).toBeNull();
    const s = readState(file);
    const w = simWindows(s);
    expect(Object.keys(s.services)).toEqual([]);
    // IIS stays (other sites may use it); the Default Web Site the IIS step brought is put back
    // as it was before QATrack+ stopped it.
    expect(w.iis.sites.map((x) => [x.name, x.state, x.autoStart])).toEqual([
      ['Default Web Site', 'started', true],
    ]);
    expect(w.iis.webFarms).toEqual([]);
    expect(w.firewall).toEqual({});
    expect(w.tasks).toEqual({});
    expect(Object.keys(w.sql.databases)).toEqual(['qatrackplus']);
    expect(Object.keys(s.products)).toContain('msodbcsql17');
  });

  const blockers: [string, (s: ReturnType<typeof cleanServer>) => void, string, (a: any) => void][] = [
    ['not elevated', (s) => void (s.os.elevated = false), 'PREFLIGHT_ELEVATION', () => undefined],
    [
      'Windows 10 instead of a server',
      (s) => void (s.os.name = 'Windows 10 Pro'),
      'PREFLIGHT_OS',
      () => undefined,
    ],
    ['Windows Server 2012 R2', (s) => void (s.os.release = '6.3.9600'), 'PREFLIGHT_OS', () => undefined],
    ['1 GB free', (s) => void (s.os.freeDiskBytes = 1024 ** 3), 'PREFLIGHT_DISK', () => undefined],
    [
      'a pending reboot before SQL Server setup',
      (s) => void (s.os.pendingReboot = true),
      'PREFLIGHT_REBOOT_PENDING',
      (a) => ((a.database.mode = 'express'), (a.database.server = 'localhost')),
    ],
  ];
  for (const [what, seed, code, edit] of blockers) {
    it(`preflight stops on ${what} with ${code} before changing anything`, async () => {
      const state = withExistingSql(cleanServer());
      seed(state);
      const file = newStateFile(state);
      const r = await sim('install', file, exampleAnswers(edit));
      expect(r.error?.code).toBe(code);
      expect(r.error?.fix).toBeTruthy();
      expect(Object.keys(readState(file).products)).toEqual([]);
    });
  }

  it('names the program holding a worker port', async () => {
    const file = newStateFile(withPortHolder(withExistingSql(cleanServer()), 8002, 'java.exe', 777));
    const r = await sim('install', file, exampleAnswers());
    expect(r.error?.code).toBe('PREFLIGHT_PORT_IN_USE');
    expect(r.error?.message).toContain('java.exe (PID 777)');
    expect(r.error?.fix).toContain('workers.basePort');
  });
});

describe('Chrome from the bundle', () => {
  it('installs the enterprise MSI and points CHROME_PATH at it', async () => {
    const a = exampleAnswers((x) => (x.chrome = { mode: 'bundle' }));
    const file = newStateFile(withExistingSql(cleanServer()));
    const plan = await sim('plan', file, a);
    const chrome = plan.steps.find((s) => s.id === 'win-chrome')!;
    // The setup-log folder is win-setup-logs' action.
    expect(chrome.actions.map((x) => x.kind)).toEqual(['exec']);
    expect((await sim('install', file, a)).error ?? null).toBeNull();
    const s = readState(file);
    expect(s.products.chrome).toBeDefined();
    const settings = Object.entries(s.files).find(([k]) => k.toLowerCase().endsWith('local_settings.py'))![1];
    expect(settings.content).toContain(
      'C:\\\\Program Files\\\\Google\\\\Chrome\\\\Application\\\\chrome.exe',
    );
    expect((await sim('plan', file, a)).changes).toBe(0);
  });
});
