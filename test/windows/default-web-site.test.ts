import { describe, expect, it } from 'vitest';
import type { PlanResult } from '../../electron/engine/report.js';
import {
  cleanServer,
  FRESH_SERVERS,
  withDefaultWebSite,
  withExistingSql,
} from '../../electron/hosts/sim/windows/seed.js';
import { simWindows } from '../../electron/hosts/sim/windows/state.js';
import { exampleAnswers, newStateFile, readState, sim, writeState } from '../support/windows-sim.js';

/**
 * Issue 10 item 1: adding Web-Server creates Default Web Site on *:80 and starts it. The plan made
 * before IIS exists must already account for it; "stop" stops it reversibly, "keep" binds QATrack+
 * by host name; the site's run state is what verify reads, and a site that did not start fails
 * with a fix.
 */

const fresh = (year: keyof typeof FRESH_SERVERS = '2022') =>
  withExistingSql(cleanServer(FRESH_SERVERS[year]));
const dws = (file: string) =>
  simWindows(readState(file)).iis.sites.find((s) => s.name === 'Default Web Site');
const qat = (file: string) => simWindows(readState(file)).iis.sites.find((s) => s.name === 'QATrack+');
const stepActions = (p: PlanResult, id: string) => p.steps.find((s) => s.id === id)?.actions ?? [];

describe('Default Web Site on a fresh Windows Server (site.defaultWebSite)', () => {
  for (const year of ['2019', '2022'] as const) {
    it(`Server ${year} without IIS: the plan already stops the Default Web Site IIS will create`, async () => {
      const a = exampleAnswers();
      const file = newStateFile(fresh(year));
      const plan = await sim('plan', file, a);
      const actions = stepActions(plan, 'win-default-site');
      expect(actions.map((x) => x.kind)).toEqual(['writeFile', 'iis']);
      expect(actions[1]).toMatchObject({
        op: 'siteState',
        name: 'Default Web Site',
        state: 'stopped',
        autoStart: false,
      });
      expect(actions[1]!.describe).toContain('will hold port 80');
      const report = await sim('install', file, a);
      expect(report.error ?? null).toBeNull();
      expect(dws(file)).toMatchObject({ state: 'stopped', autoStart: false });
      expect(qat(file)).toMatchObject({
        state: 'started',
        bindings: [{ port: 80, host: '' }, { port: 443 }],
      });
      expect(report.checks.find((c) => c.id === 'iis.defaultWebSite')).toMatchObject({ ok: true });
      expect((await sim('plan', file, a)).changes).toBe(0);
    });
  }

  it('a QATrack+ site that is not running (Default Web Site started again) fails verify with a fix; repair converges', async () => {
    const a = exampleAnswers();
    const file = newStateFile(withDefaultWebSite(fresh()));
    // An administrator starts Default Web Site again after the install (for example a restore of
    // applicationHost.config), and IIS restarts: QATrack+ cannot start.
    await sim('install', file, a);
    const s = readState(file);
    const w = simWindows(s);
    w.iis.sites.find((x) => x.name === 'Default Web Site')!.state = 'started';
    w.iis.sites.find((x) => x.name === 'QATrack+')!.state = 'stopped';
    writeState(file, s);
    const v = await sim('verify', file, a);
    const started = v.checks.find((c) => c.id === 'iis.site.started')!;
    expect(started.ok).toBe(false);
    expect(started.detail).toContain('port 80 is held by IIS site "Default Web Site"');
    expect(started.fix).toContain('site.defaultWebSite');
    expect(v.checks.find((c) => c.id === 'iis.defaultWebSite')).toMatchObject({ ok: false });
    const r = await sim('repair', file, a);
    expect(r.error ?? null).toBeNull();
    expect(dws(file)).toMatchObject({ state: 'stopped' });
    expect(qat(file)).toMatchObject({ state: 'started' });
  });

  it('uninstall puts Default Web Site back as it was (here: stopped by the admin, autostart on)', async () => {
    const a = exampleAnswers();
    const seed = withDefaultWebSite(fresh());
    simWindows(seed).iis.sites[0]!.state = 'stopped';
    const file = newStateFile(seed);
    expect((await sim('install', file, a)).error ?? null).toBeNull();
    const record = Object.entries(readState(file).files).find(([k]) =>
      k.toLowerCase().endsWith('default-web-site.json'),
    );
    expect(record?.[1].content).toBe('{"state":"stopped","autoStart":true}\n');
    expect(dws(file)).toMatchObject({ state: 'stopped', autoStart: false });
    expect((await sim('uninstall', file, a)).error ?? null).toBeNull();
    expect(dws(file)).toMatchObject({ state: 'stopped', autoStart: true });
    expect(qat(file)).toBeUndefined();
    expect(
      Object.keys(readState(file).files).some((k) => k.toLowerCase().endsWith('default-web-site.json')),
    ).toBe(false);
  });

  it('"keep" leaves Default Web Site running and binds QATrack+ by host name on :80', async () => {
    const a = exampleAnswers((r) => {
      r.site.defaultWebSite = 'keep';
      r.site.https.enabled = false;
    });
    const file = newStateFile(fresh());
    const plan = await sim('plan', file, a);
    expect(stepActions(plan, 'win-default-site')).toEqual([]);
    const report = await sim('install', file, a);
    expect(report.error ?? null).toBeNull();
    expect(dws(file)).toMatchObject({
      state: 'started',
      autoStart: true,
      bindings: [{ port: 80, host: '' }],
    });
    expect(qat(file)).toMatchObject({
      state: 'started',
      bindings: [{ protocol: 'http', port: 80, host: 'qatrack.hospital.local' }],
    });
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect((await sim('plan', file, a)).changes).toBe(0);
  });

  it('"stop" then "keep" on a rerun starts Default Web Site again, only because we stopped it', async () => {
    const file = newStateFile(fresh());
    expect((await sim('install', file, exampleAnswers())).error ?? null).toBeNull();
    expect(dws(file)).toMatchObject({ state: 'stopped', autoStart: false });
    const keep = exampleAnswers((r) => (r.site.defaultWebSite = 'keep'));
    const plan = await sim('plan', file, keep);
    expect(stepActions(plan, 'win-default-site-keep').map((x) => x.kind)).toEqual(['iis', 'remove']);
    const r = await sim('repair', file, keep);
    expect(r.error ?? null).toBeNull();
    expect(dws(file)).toMatchObject({
      state: 'started',
      autoStart: true,
      bindings: [{ port: 80, host: '' }],
    });
    expect(qat(file)).toMatchObject({
      state: 'started',
      bindings: [{ protocol: 'http', port: 80, host: 'qatrack.hospital.local' }, { port: 443 }],
    });
    expect(
      Object.keys(readState(file).files).some((k) => k.toLowerCase().endsWith('default-web-site.json')),
    ).toBe(false);
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect((await sim('plan', file, keep)).changes).toBe(0);
  });

  it('"keep" after "stop" leaves a Default Web Site the admin had stopped stopped', async () => {
    const seed = withDefaultWebSite(fresh());
    simWindows(seed).iis.sites[0]!.state = 'stopped';
    const file = newStateFile(seed);
    expect((await sim('install', file, exampleAnswers())).error ?? null).toBeNull();
    const keep = exampleAnswers((r) => (r.site.defaultWebSite = 'keep'));
    expect((await sim('repair', file, keep)).error ?? null).toBeNull();
    // The record said "stopped, autostart on": only the autostart we turned off comes back.
    expect(dws(file)).toMatchObject({ state: 'stopped', autoStart: true });
  });

  it('a site whose port another started site holds is not started, and the failure is not swallowed', async () => {
    const { createSimHost } = await import('../../electron/hosts/sim/host.js');
    const { actionSchema } = await import('../../electron/engine/actions/index.js');
    const { MapSecretStore } = await import('../../electron/engine/secrets.js');
    const file = newStateFile(withDefaultWebSite(fresh()));
    const host = await createSimHost(file);
    const ctx = {
      secrets: new MapSecretStore([]),
      signal: new AbortController().signal,
      timeoutMs: 1000,
      onOutput: () => undefined,
    };
    await host.apply(
      actionSchema.parse({ kind: 'iis', describe: 'pool', op: 'appPool', name: 'QATrackPlus' }),
      ctx,
    );
    const site = {
      kind: 'iis',
      describe: 'site',
      op: 'site',
      name: 'QATrack+',
      appPool: 'QATrackPlus',
      physicalPath: 'D:\\QATrackData\\iisroot',
      bindings: [{ protocol: 'http', port: 80, host: '' }],
      virtualDirs: [],
      logDir: 'D:\\QATrackData\\logs\\iis',
    };
    await expect(host.apply(actionSchema.parse(site), ctx)).rejects.toThrow(/0x800700B7.*Default Web Site/);
    await host.close();
    expect(qat(file)).toMatchObject({ state: 'stopped' });
  });
});

describe('attachments under /media (issue 10 item 6, QATrack+ #637)', () => {
  it('download with any extension; /static keeps IIS default map (404.3 for unknown extensions)', async () => {
    const a = exampleAnswers((r) => (r.site.https.enabled = false));
    const file = newStateFile(fresh());
    expect((await sim('install', file, a)).error ?? null).toBeNull();
    const s = readState(file);
    s.files['D:\\QATrackData\\media\\uploads\\scan [1].dcm'] = { type: 'file', size: 3, content: 'DCM' };
    s.files['D:\\QATrackData\\media\\uploads\\run.log'] = { type: 'file', size: 3, content: 'log' };
    s.files['D:\\QATrackData\\media\\uploads\\photo.png'] = { type: 'file', size: 3, content: 'png' };
    s.files['D:\\QATrackData\\static\\qa\\x.dcm'] = { type: 'file', size: 3, content: 'DCM' };
    writeState(file, s);
    const { createSimHost } = await import('../../electron/hosts/sim/host.js');
    const host = await createSimHost(file);
    const get = (p: string) =>
      host.query({ kind: 'http', url: `http://127.0.0.1${p}`, hostHeader: 'qatrack.hospital.local' });
    const dcm = await get('/media/uploads/scan%20%5B1%5D.dcm');
    expect(dcm).toMatchObject({
      ok: true,
      status: 200,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(await get('/media/uploads/run.log')).toMatchObject({ status: 200 });
    expect(await get('/media/uploads/photo.png')).toMatchObject({ headers: { 'content-type': 'image/png' } });
    const st = await get('/static/qa/x.dcm');
    expect(st).toMatchObject({ status: 404 });
    expect(st.ok && st.body).toContain('404.3');
    await host.close();
  });
});
