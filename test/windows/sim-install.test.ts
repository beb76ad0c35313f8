import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlanResult } from '../../electron/engine/report.js';
import type { SimState } from '../../electron/hosts/sim/state.js';
import {
  cleanServer,
  withDefaultWebSite,
  withExistingSql,
  withPortHolder,
} from '../../electron/hosts/sim/windows/seed.js';
import { simWindows } from '../../electron/hosts/sim/windows/state.js';
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

  it('stops the Default Web Site holding :80 (defaultWebSite "stop", the default) and takes the port', async () => {
    const a = exampleAnswers();
    expect(a.answers.site.defaultWebSite).toBe('stop');
    const file = await installed(a, withDefaultWebSite(withExistingSql(cleanServer())));
    const sites = simWindows(readState(file)).iis.sites;
    expect(sites.find((x) => x.name === 'Default Web Site')?.state).toBe('stopped');
    expect(sites.find((x) => x.name === a.answers.site.name)?.bindings).toContainEqual({
      protocol: 'http',
      port: 80,
      host: '',
    });
    expect(pending(await sim('plan', file, a))).toEqual([]);
  });

  it('refuses a port held by another program, names it, and changes nothing', async () => {
    const file = newStateFile(withPortHolder(withExistingSql(cleanServer()), 80, 'nginx.exe'));
    const before = readFileSync(file, 'utf8');
    const report = await sim('install', file, exampleAnswers());
    expect(report.ok).toBe(false);
    expect(report.error?.code).toBe('PREFLIGHT_PORT_IN_USE');
    expect(report.error?.message).toContain('nginx.exe');
    expect(JSON.parse(readFileSync(file, 'utf8')).services).toEqual(JSON.parse(before).services);
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
