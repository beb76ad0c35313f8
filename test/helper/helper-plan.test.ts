import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../electron/engine/events.js';
import type { Host } from '../../electron/engine/host.js';
import { REMEMBERED_FILE } from '../../electron/engine/remembered.js';
import type { MapSecretStore } from '../../electron/engine/secrets.js';
import { HelperServer } from '../../electron/helper/server.js';
import { cleanServer, withExistingSql } from '../../electron/hosts/sim/windows/seed.js';
import { createElevatedEngine } from '../../electron/ipc/elevated-engine.js';
import type { EnginePort } from '../../electron/ipc/service.js';
import { CANARY, exampleAnswers, newStateFile, readState } from '../support/windows-sim.js';

/**
 * The elevated helper planning and applying by itself, over the real Unix socket: the test plays
 * the app (HelperServer + the wizard's elevated engine), the helper is its own process started from
 * a test entry whose target is a sim state file (test/support/helper/sim-helper-cli.ts).
 */
const children: ChildProcess[] = [];
let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'qatrack-helper-plan-'));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

async function simHelper(name: string, extra: string[] = []) {
  const dir = await mkdtemp(path.join(root, name + '-'));
  const state = newStateFile(withExistingSql(cleanServer()));
  const server = await HelperServer.listen(dir);
  const tokenFile = await server.writeTokenFile();
  const logFile = path.join(dir, 'helper.log');
  const remembered = path.join(dir, 'ProgramData');
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/support/helper/sim-helper-cli.ts',
      '--qatrack-helper',
      '--pipe',
      server.pipe,
      '--token-file',
      tokenFile,
      '--log',
      logFile,
      '--sim',
      state,
      '--remembered',
      remembered,
      ...extra,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const link = await server.waitForHelper(30_000);
  const stop = async () => {
    link.close();
    await server.close();
    return exited;
  };
  return { link, state, logFile, remembered, stop };
}

/** What the app sends: answers with SecretRefs, the secret values beside them. */
const wire = (a: { answers: unknown; secrets: MapSecretStore }) => ({
  answers: a.answers as Record<string, unknown>,
  secrets: Object.fromEntries(a.secrets.keys().map((k) => [k, a.secrets.get(k) ?? ''])),
});

// The elevated engine ignores the app's host (the helper opens its own); reads are not used here.
const noHost = {} as Host;
const notUsed = () => Promise.reject(new Error('not used'));
const local: EnginePort = { preflight: notUsed, plan: notUsed, run: notUsed, verify: notUsed };

describe('elevated helper plans and applies by itself (Unix socket, sim target)', () => {
  it('happy path: the reviewed plan installs on the sim, events stream back, the machine remembers', async () => {
    const h = await simHelper('happy');
    const engine = createElevatedEngine(local, () => Promise.resolve(h.link));
    const a = exampleAnswers();
    const input = { mode: 'install' as const, keepData: true, host: noHost, ...a };
    const plan = await engine.plan(input);
    expect(plan.planSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(plan.changes).toBeGreaterThan(30);
    // "Save plan" prints the helper's plan too (what a change board reviews), never a secret.
    const text = await engine.planText!(input);
    expect(text).toContain('QATrackWorker1');
    expect(text).not.toContain(CANARY);
    const events: ProgressEvent[] = [];
    const r = await engine.run({
      ...input,
      approvedPlanSha256: plan.planSha256,
      signal: new AbortController().signal,
      onEvent: (e) => events.push(e),
    });
    expect(r).toMatchObject({ ok: true, exitCode: 0, remembered: true });
    expect(events[0]?.type).toBe('run-start');
    expect(events.at(-1)).toMatchObject({ type: 'run-end', ok: true });
    expect(Object.keys(readState(h.state).services)).toContain('QATrackWorker1');
    const remembered = await readFile(path.join(h.remembered, REMEMBERED_FILE), 'utf8');
    expect(JSON.parse(remembered).database.login.password).toEqual({
      env: 'QATRACK_SECRET_DATABASE_LOGIN_PASSWORD',
    });
    // Converged: the helper's next plan is empty.
    expect((await engine.plan({ ...input, mode: 'repair' })).changes).toBe(0);
    expect(await h.stop()).toBe(0);
    const log = await readFile(h.logFile, 'utf8');
    for (const text of [log, remembered, JSON.stringify(events)]) expect(text).not.toContain(CANARY);
  });

  it('answers whose plan hash differs from the approved one are refused with the difference; nothing changes', async () => {
    const h = await simHelper('stale');
    const a = exampleAnswers();
    const planned = await h.link.plan({ mode: 'install', release: '3.1.1.4', ...wire(a) });
    expect(planned.ok).toBe(true);
    const approved = (planned.value as { planSha256: string }).planSha256;
    const before = await readFile(h.state, 'utf8');
    const changed = exampleAnswers((x) => (x.site.httpPort = 8089));
    const events: ProgressEvent[] = [];
    const r = await h.link.run({ mode: 'install', ...wire(changed), approvedPlanSha256: approved }, (e) =>
      events.push(e),
    ).done;
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('PLAN_STALE');
    expect(r.error?.difference).toContain('answers: changed since the plan was made');
    expect(r.error?.difference?.some((d) => /8089/.test(d))).toBe(true);
    expect(events.filter((e) => e.type === 'action-start')).toEqual([]);
    expect(await readFile(h.state, 'utf8')).toBe(before);

    // The wizard's words for it.
    const engine = createElevatedEngine(local, () => Promise.resolve(h.link));
    const err = await engine
      .run({
        mode: 'install',
        keepData: true,
        host: noHost,
        ...changed,
        approvedPlanSha256: approved,
        signal: new AbortController().signal,
        onEvent: () => undefined,
      })
      .then(
        () => undefined,
        (e: { code: string; message: string }) => e,
      );
    expect(err?.code).toBe('PLAN_STALE');
    expect(err?.message.split('\n')[0]).toBe(
      'The machine changed since this plan was made: review the new plan.',
    );
    expect(await h.stop()).toBe(0);
  });

  it('the app cancels a run over the pipe: the helper stops between actions and says what is left', async () => {
    const h = await simHelper('cancel');
    const a = exampleAnswers();
    const planned = await h.link.plan({ mode: 'install', release: '3.1.1.4', ...wire(a) });
    const approved = (planned.value as { planSha256: string }).planSha256;
    const events: ProgressEvent[] = [];
    const started = h.link.run({ mode: 'install', ...wire(a), approvedPlanSha256: approved }, (e) => {
      events.push(e);
      if (e.type === 'action-start' && events.filter((x) => x.type === 'action-start').length === 1)
        h.link.cancel(started.id);
    });
    const r = await started.done;
    expect(r.ok).toBe(true);
    const value = r.value as { ok: boolean; exitCode: number; remembered: boolean };
    expect(value).toMatchObject({ ok: false, remembered: false });
    expect(events.at(-1)).toMatchObject({ type: 'run-end', ok: false });
    expect(events.filter((e) => e.type === 'step-end' && e.status === 'cancelled').length).toBeGreaterThan(0);
    // Far from everything ran: the services were never registered.
    expect(Object.keys(readState(h.state).services)).not.toContain('QATrackWorker1');
    expect(await h.stop()).toBe(0);
  });

  it('a plan with a writeFile outside the layout is refused whole: nothing offered, nothing written', async () => {
    const h = await simHelper('outside', ['--steps', 'outside-layout']);
    const a = exampleAnswers();
    const planned = await h.link.plan({ mode: 'install', release: '3.1.1.4', ...wire(a) });
    expect(planned.ok).toBe(false);
    expect(planned.error?.code).toBe('HELPER_PATH_REFUSED');
    expect(planned.error?.message).toContain('C:\\Windows\\System32\\evil.dll');
    // A refused plan is not one the helper will apply, under any hash.
    const run = await h.link.run({ mode: 'install', ...wire(a), approvedPlanSha256: 'ef'.repeat(32) }).done;
    expect(run.error?.code).toBe('HELPER_PLAN_UNKNOWN');
    expect(Object.keys(readState(h.state).files ?? {})).not.toContain('C:\\QATrack\\note.txt');
    expect(await h.stop()).toBe(0);
    expect(existsSync(path.join(h.remembered, REMEMBERED_FILE))).toBe(false);
  });
});
