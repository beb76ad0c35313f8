import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlanResult } from '../../electron/engine/report.js';
import type { SimState } from '../../electron/hosts/sim/state.js';
import { cleanServer, withDefaultWebSite, withExistingSql } from '../../electron/hosts/sim/windows/seed.js';
import { simFile, simWindows } from '../../electron/hosts/sim/windows/state.js';
import { exampleAnswers, newStateFile, readState, sim, writeState } from '../support/windows-sim.js';

const express = () =>
  exampleAnswers((a) => {
    a.database.mode = 'express';
    a.database.server = 'localhost';
    a.database.instance = 'QATRACK';
    a.database.port = 1533;
  });

async function installed(answers = exampleAnswers(), seed = withExistingSql(cleanServer())) {
  const file = newStateFile(seed);
  const report = await sim('install', file, answers);
  expect(report.error ?? null).toBeNull();
  return file;
}

const pending = (p: PlanResult) =>
  p.steps.filter((s) => s.actions.length).map((s) => [s.id, s.actions.map((x) => x.describe)]);

describe('Windows profile on sim', () => {
  it('installs from scratch, verifies, then plans zero actions; no secret is written anywhere', async () => {
    const a = exampleAnswers();
    const file = newStateFile(withExistingSql(cleanServer()));
    const first = await sim('plan', file, a);
    expect(first.changes).toBeGreaterThan(30);
    const report = await sim('install', file, a);
    expect(report.error ?? null).toBeNull();
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(pending(await sim('plan', file, a))).toEqual([]);
    const dir = path.dirname(file);
    const written = [file, ...readdirSync(path.join(dir, 'logs')).map((x) => path.join(dir, 'logs', x))];
    for (const f of written) expect(readFileSync(f, 'utf8')).not.toContain('Canary');
    expect(JSON.stringify(first)).not.toContain('Canary');
  });

  it('QATrack+ 3.1.1.4 on Windows: LOG_ROOT in the data folder (service accounts may write), Sites domain, / -> 302', async () => {
    const a = exampleAnswers();
    const plan = await sim('plan', newStateFile(withExistingSql(cleanServer())), a);
    // Every manage.py shell program runs as a function body (Django 2.2's shell -c has no globals).
    const shellPrograms = plan.steps
      .flatMap((st) => st.actions)
      .filter((x) => x.kind === 'exec' && x.args[1] === 'shell')
      .map((x) => (x.kind === 'exec' && typeof x.args[3] === 'string' ? x.args[3] : ''));
    expect(shellPrograms.length).toBe(3); // loaddata, superuser, Sites domain
    for (const prog of shellPrograms) {
      expect(prog.startsWith('def main():\n    import ')).toBe(true);
      expect(prog.endsWith('\nmain()')).toBe(true);
    }
    const django = plan.steps.find((st) => st.id === 'django')!;
    expect(django.actions.map((x) => x.describe)).toContain(
      'Set the Django Sites domain to qatrack.hospital.local (page titles and mailed links; was not readable yet)',
    );

    const file = await installed(a);
    const s = readState(file);
    const settings = simFile(s, 'C:\\QATrack\\qatrackplus\\qatrack\\local_settings.py')!.content!;
    expect(settings).toContain('LOG_ROOT = "D:\\\\QATrackData\\\\logs"');
    expect(settings).toContain('_handler["filename"] = os.path.join(LOG_ROOT');
    expect(settings).toContain('CHROME_PATH = ""');
    expect(settings).toContain('SESSION_COOKIE_SECURE = True');
    expect(settings).toContain('SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")');
    expect(settings).toContain('EMAIL_NOTIFICATION_SENDER = "qatrack@hospital.org"');
    // Both service accounts may write LOG_ROOT (hardening's ACL on the logs folder).
    const logAcl = simWindows(s).acls['d:\\qatrackdata\\logs']!;
    expect(logAcl.grants).toEqual(
      expect.arrayContaining([
        { principal: 'NT SERVICE\\QATrackWorker1', rights: 'M' },
        { principal: 'NT SERVICE\\QATrackTasks', rights: 'M' },
      ]),
    );
    expect(JSON.parse(String((s.facts['django.site'] as { stdout: string }).stdout))).toEqual({
      domain: 'qatrack.hospital.local',
      name: 'qatrack.hospital.local',
    });
    const v = await sim('verify', file, a);
    expect(v.checks.find((c) => c.id === 'verify.home')).toMatchObject({
      ok: true,
      detail: 'HTTP 302 to /accounts/login/?next=/',
    });
    expect(v.checks.find((c) => c.id === 'django.site')?.ok).toBe(true);
  });

  it('installs SQL Express with TCP on a fixed port and mixed mode, sa left disabled', async () => {
    const a = express();
    const file = await installed(a, cleanServer());
    const s = readState(file);
    const w = simWindows(s);
    expect(Object.keys(s.products)).toContain('sqlserver:QATRACK');
    const key = Object.keys(w.registry).find((k) => k.endsWith('\\tcp\\ipall'))!;
    expect(w.registry[key]).toEqual({ TcpPort: '1533', TcpDynamicPorts: '' });
    expect(w.sql.logins.sa?.disabled).toBe(true);
    expect(w.sql.logins['NT AUTHORITY\\SYSTEM']?.windows).toBe(true);
    expect(pending(await sim('plan', file, a))).toEqual([]);
  });

  it('refuses a port held by another IIS site, names it, and changes nothing', async () => {
    const seed = withExistingSql(cleanServer());
    const w = simWindows(withDefaultWebSite(seed));
    w.iis.sites.push({ ...w.iis.sites[0]!, name: 'Legacy intranet', appPool: 'DefaultAppPool' });
    w.iis.sites[0]!.state = 'stopped';
    const file = newStateFile(seed);
    const before = readFileSync(file, 'utf8');
    const report = await sim('install', file, exampleAnswers());
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe('PREFLIGHT_PORT_IN_USE');
    expect(report.error?.message).toContain('IIS site "Legacy intranet"');
    expect(report.error?.fix).toContain('never another site');
    expect(readFileSync(file, 'utf8')).toEqual(before);
  });

  it('installs next to the Default Web Site on another port and leaves that site alone', async () => {
    const a = exampleAnswers((r) => {
      r.site.httpPort = 8080;
      r.site.https.port = 8443;
    });
    const file = await installed(a, withDefaultWebSite(withExistingSql(cleanServer())));
    const sites = simWindows(readState(file)).iis.sites;
    expect(sites.find((x) => x.name === 'Default Web Site')).toMatchObject({
      state: 'started',
      bindings: [{ protocol: 'http', port: 80, host: '' }],
    });
    expect(pending(await sim('plan', file, a))).toEqual([]);
  });

  const drifts: [string, (s: SimState) => void, string][] = [
    ['a worker service deleted', (s) => void delete s.services.QATrackWorker2, 'QATrack+ Worker 2'],
    ['a worker stopped', (s) => void (s.services.QATrackWorker1!.state = 'stopped'), 'QATrack+ Worker 1'],
    ['the web farm removed', (s) => void (simWindows(s).iis.webFarms = []), 'farm'],
    [
      'the proxy rule removed from web.config',
      (s) => {
        const key = Object.keys(s.files).find((k) => k.toLowerCase().endsWith('iisroot\\web.config'))!;
        s.files[key] = { type: 'file', size: 1, content: '<configuration/>' };
      },
      'farm',
    ],
    [
      'the qatrack login disabled',
      (s) => void (simWindows(s).sql.logins.qatrack!.disabled = true),
      'Login qatrack',
    ],
    [
      'a role taken away',
      (s) => void (simWindows(s).sql.databases.qatrackplus!.users.qatrack!.roles = ['db_datareader']),
      'Login qatrack',
    ],
    ['the firewall rule deleted', (s) => void delete simWindows(s).firewall['QATrackPlus-Web'], 'Firewall'],
    [
      'the backup task deleted',
      (s) => void delete simWindows(s).tasks['\\QATrack+\\Nightly backup'],
      'backup',
    ],
    [
      'an ACL opened up',
      (s) => void (simWindows(s).acls['c:\\qatrack']!.protected = false),
      'Permissions on C:\\QATrack',
    ],
    ['the certificate binding removed', (s) => void (simWindows(s).iis.sslBindings = []), 'IIS site'],
    [
      "the Sites row reset to Django's example.com",
      (s) =>
        void (s.facts['django.site'] = {
          exitCode: 0,
          stdout: '{"domain": "example.com", "name": "example.com"}\n',
          stderr: '',
        }),
      'Django Sites domain',
    ],
    [
      'the service account reset to LocalSystem',
      (s) => void (simWindows(s).serviceAccounts.QATrackTasks = 'LocalSystem'),
      'QATrack+ Tasks',
    ],
  ];
  for (const [what, drift, title] of drifts) {
    it(`finds ${what} at verify and repair fixes it`, async () => {
      const a = exampleAnswers();
      const file = await installed(a);
      const s = readState(file);
      drift(s);
      writeState(file, s);
      const v = await sim('verify', file, a);
      const failed = v.checks.filter((c) => !c.ok).map((c) => c.title);
      expect(failed.some((t) => t.includes(title))).toBe(true);
      const r = await sim('repair', file, a);
      expect(r.error ?? null).toBeNull();
      expect(r.drift?.length).toBeGreaterThan(0);
      expect(r.checks.filter((c) => !c.ok)).toEqual([]);
      expect(pending(await sim('plan', file, a))).toEqual([]);
    });
  }
});
