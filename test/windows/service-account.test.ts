import { describe, expect, it } from 'vitest';
import { resolvePortOwner } from '../../electron/hosts/windows/parse.js';
import { simPortRaw } from '../../electron/hosts/sim/windows/http.js';
import { cleanServer, FRESH_SERVERS, withExistingSql } from '../../electron/hosts/sim/windows/seed.js';
import { simWindows } from '../../electron/hosts/sim/windows/state.js';
import { exampleAnswers, newStateFile, readState, sim, writeState } from '../support/windows-sim.js';

/** Issue 10 items 3 and 4: who holds a worker port, and "Log on as a service" for a user account. */

const userAccount = () =>
  exampleAnswers((r) => {
    r.serviceAccount = { kind: 'user', account: 'HOSPITAL\\svc-qatrack', password: 'Svc-pw ä€ 2026!' };
  });

describe('serviceAccount.kind "user"', () => {
  it('grants "Log on as a service" before the services start, and uninstall revokes it', async () => {
    const a = userAccount();
    const file = newStateFile(withExistingSql(cleanServer(FRESH_SERVERS['2022'])));
    const plan = await sim('plan', file, a);
    const services = plan.steps.find((s) => s.id === 'win-services')!.actions;
    const grant = services.findIndex((x) => x.kind === 'winService' && x.op === 'grantLogonRight');
    const firstStart = services.findIndex((x) => x.kind === 'winService' && x.op === 'start');
    expect(grant).toBeGreaterThanOrEqual(0);
    expect(grant).toBeLessThan(firstStart);
    const report = await sim('install', file, a);
    expect(report.error ?? null).toBeNull();
    expect(simWindows(readState(file)).logonRights).toEqual(['hospital\\svc-qatrack']);
    expect(report.checks.find((c) => c.id === 'service.logonRight')).toMatchObject({ ok: true });
    expect((await sim('plan', file, a)).changes).toBe(0);
    expect((await sim('uninstall', file, a)).error ?? null).toBeNull();
    expect(simWindows(readState(file)).logonRights).toEqual([]);
  });

  it('without the right (taken away by a Group Policy) verify names it; repair grants it and the services start', async () => {
    const a = userAccount();
    const file = newStateFile(withExistingSql(cleanServer()));
    await sim('install', file, a);
    const s = readState(file);
    simWindows(s).logonRights = [];
    for (const svc of Object.values(s.services)) svc.state = 'stopped';
    writeState(file, s);
    const v = await sim('verify', file, a);
    expect(v.checks.find((c) => c.id === 'service.logonRight')).toMatchObject({ ok: false });
    expect((await sim('repair', file, a)).error ?? null).toBeNull();
    expect(Object.values(readState(file).services).every((x) => x.state === 'running')).toBe(true);
  });

  it('a right that was there before the install is not revoked by uninstall', async () => {
    const a = userAccount();
    const seed = withExistingSql(cleanServer());
    simWindows(seed).logonRights = ['hospital\\svc-qatrack'];
    const file = newStateFile(seed);
    await sim('install', file, a);
    const plan = await sim('plan', file, a);
    expect(plan.changes).toBe(0);
    await sim('uninstall', file, a);
    expect(simWindows(readState(file)).logonRights).toEqual(['hospital\\svc-qatrack']);
  });
});

describe('the process listening on a worker port (item 3)', () => {
  it('is python.exe two levels below the WinSW service process; the owner is still the service', async () => {
    const a = exampleAnswers();
    const file = newStateFile(withExistingSql(cleanServer()));
    await sim('install', file, a);
    const raw = simPortRaw(readState(file), { kind: 'port', port: 8001, address: '127.0.0.1' });
    if (!raw.inUse) throw new Error('worker 1 should listen');
    // The listener itself is not a service process: matching ProcessId alone finds nothing.
    expect(raw.services.some((x) => x.pid === raw.listener)).toBe(false);
    expect(raw.chain.map((p) => p.name)).toEqual([
      'python.exe',
      'python.exe',
      'QATrackWorker1.exe',
      'services.exe',
    ]);
    expect(resolvePortOwner(raw, 8001)).toMatchObject({
      owner: { service: 'QATrackWorker1', process: 'python' },
    });
  });

  it('repair and reconfigure with the workers running pass the preflight (no PREFLIGHT_PORT_IN_USE)', async () => {
    const a = exampleAnswers();
    const file = newStateFile(withExistingSql(cleanServer()));
    await sim('install', file, a);
    const r = await sim('repair', file, a);
    expect(r.error ?? null).toBeNull();
    const more = exampleAnswers((x) => (x.workers.count = 4));
    expect((await sim('install', file, more)).error ?? null).toBeNull();
  });

  it('a reused parent PID (parent created after the child) is not taken for the service', () => {
    const raw = {
      inUse: true as const,
      listener: 500,
      chain: [
        { pid: 500, parentPid: 400, name: 'python.exe', created: 100 },
        // PID 400 now belongs to a service process started later than the listener.
        { pid: 400, parentPid: 4, name: 'OtherSvc.exe', created: 200 },
      ],
      services: [{ name: 'OtherSvc', pid: 400 }],
      sites: [],
    };
    expect(resolvePortOwner(raw, 8001)).toEqual({ inUse: true, owner: { pid: 500, process: 'python' } });
  });

  it('another program on a worker port is still named and refused', async () => {
    const a = exampleAnswers();
    const seed = withExistingSql(cleanServer());
    seed.ports['8002'] = { process: 'node', pid: 3100 };
    const file = newStateFile(seed);
    const r = await sim('install', file, a);
    expect(r.error?.code).toBe('PREFLIGHT_PORT_IN_USE');
    expect(r.error?.message).toContain('node (PID 3100)');
  });
});
