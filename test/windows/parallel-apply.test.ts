import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../electron/engine/events.js';
import { readJournal, type JournalEntry } from '../../electron/engine/journal.js';
import type { PlanResult, RunReport } from '../../electron/engine/report.js';
import { runSession, journalFileFor, type Command } from '../../electron/app/session.js';
import type { Action } from '../../electron/engine/actions/index.js';
import { MapSecretStore } from '../../electron/engine/secrets.js';
import { createSimHost } from '../../electron/hosts/sim/host.js';
import { cleanServer } from '../../electron/hosts/sim/windows/seed.js';
import type { SimState } from '../../electron/hosts/sim/state.js';
import { windowsProfile } from '../../electron/steps/windows/index.js';
import { exampleAnswers, layoutOf, newStateFile, readState } from '../support/windows-sim.js';

/**
 * Parallel apply on the simulated Windows Server. Simulated actions take time here (latencyMs),
 * so steps really are in flight together; the sim refuses a second Windows Installer transaction
 * with 1618 as msiexec does and records every overlap it saw.
 */

/** SQL Express and the bundled Chrome: every Windows Installer the profile knows runs. */
const answers = () =>
  exampleAnswers((a) => {
    a.database.mode = 'express';
    a.database.server = 'localhost';
    a.database.instance = 'QATRACK';
    a.chrome = { mode: 'bundle' };
  });

const LATENCY = { msi: 25, exec: 10, windowsFeature: 15, sql: 5, iis: 3 };

function seeded(edit: (s: SimState) => void = () => undefined): string {
  const s = cleanServer();
  s.latencyMs = LATENCY;
  edit(s);
  return newStateFile(s);
}

interface RunOpts {
  jobs?: number;
  signal?: AbortSignal;
  onEvent?: (e: ProgressEvent) => void;
}

async function run(command: 'plan', file: string, a: ReturnType<typeof answers>): Promise<PlanResult>;
async function run(
  command: Exclude<Command, 'plan'>,
  file: string,
  a: ReturnType<typeof answers>,
  o?: RunOpts,
): Promise<RunReport>;
async function run(command: Command, file: string, a: ReturnType<typeof answers>, o: RunOpts = {}) {
  const { result } = await runSession({
    command,
    answers: a.answers,
    secrets: a.secrets,
    hostSpec: { kind: 'sim', file },
    steps: windowsProfile,
    logFile: path.join(path.dirname(file), 'logs', `${command}.log`),
    ...o,
  });
  return result;
}

const journalOf = (file: string, a: ReturnType<typeof answers>) =>
  readJournal(journalFileFor({ kind: 'sim', file }, layoutOf(a.answers)));

/** Entries of the last run in the journal. */
const lastRun = (entries: JournalEntry[]) => {
  const start = entries.findLast((e) => e.type === 'run-start')!;
  return entries.filter((e) => e.runId === start.runId);
};

const stepsWith = (entries: JournalEntry[], type: JournalEntry['type']) =>
  entries.flatMap((e) => (e.type === type && 'step' in e ? [e.step] : []));

/** The machine without what the sim records about the run itself. */
const machine = (s: SimState) => {
  const { concurrency: _c, ...rest } = s;
  return rest;
};

describe('the sim models the Windows Installer mutex', () => {
  it('a second MSI started while one runs exits 1618 and the overlap is recorded', async () => {
    const file = seeded((s) => (s.latencyMs = { msi: 50 }));
    const host = await createSimHost(file);
    const msi = (name: string): Action => ({
      kind: 'exec',
      describe: `Install ${name}`,
      file: 'C:\\Windows\\System32\\msiexec.exe',
      args: ['/i', `C:\\stage\\${name}.msi`, '/qn'],
      produces: [{ kind: 'product', id: name, version: '1.0' }],
    });
    const ctx = {
      secrets: new MapSecretStore(),
      signal: new AbortController().signal,
      timeoutMs: 10_000,
      onOutput: () => undefined,
    };
    const [first, second] = await Promise.allSettled([
      host.apply(msi('one'), ctx),
      host.apply(msi('two'), ctx),
    ]);
    await host.close();
    expect(first.status).toBe('fulfilled');
    expect(second).toMatchObject({
      status: 'rejected',
      reason: { code: 'EXEC_FAILED', details: { exitCode: 1618 } },
    });
    const s = readState(file);
    expect(s.products.one).toBeDefined();
    expect(s.products.two).toBeUndefined();
    expect(s.concurrency?.msiOverlaps).toEqual([{ running: 'Install one', refused: 'Install two' }]);
  });
});

describe('parallel apply on sim', () => {
  it('gives the same machine and the same completed steps as a sequential run, with steps really in flight together', async () => {
    const a = answers();
    const seq = seeded();
    const par = seeded();
    const sequential = await run('install', seq, a, { jobs: 1 });
    const parallel = await run('install', par, a, { jobs: 4 });
    expect(sequential.error ?? null).toBeNull();
    expect(parallel.error ?? null).toBeNull();
    expect(parallel.status).toBe('done');
    expect(readState(seq).concurrency?.maxInFlight).toBe(1);
    expect(readState(par).concurrency?.maxInFlight).toBeGreaterThanOrEqual(2);
    expect(machine(readState(par))).toEqual(machine(readState(seq)));
    const done = (f: string) => new Set(stepsWith(lastRun(journalOf(f, a)), 'step-ok'));
    expect(done(par)).toEqual(done(seq));
    expect(done(par).size).toBeGreaterThan(20);
    // Same reports, whatever order they finished in.
    const byId = (r: RunReport) => Object.fromEntries(r.steps.map((s) => [s.id, [s.status, s.changed]]));
    expect(byId(parallel)).toEqual(byId(sequential));
    expect((await run('plan', par, a)).changes).toBe(0);
  });

  it('never runs two Windows Installer transactions at once', async () => {
    const a = answers();
    const file = seeded();
    const report = await run('install', file, a, { jobs: 4 });
    expect(report.error ?? null).toBeNull();
    const c = readState(file).concurrency!;
    expect(c.msiOverlaps).toEqual([]);
    // Python, VC++ (x64), ODBC, SQL Express, URL Rewrite, ARR, Chrome.
    expect(c.msiTransactions).toBeGreaterThanOrEqual(7);
    expect(c.maxInFlight).toBeGreaterThanOrEqual(2);
  });

  it('keeps every step in order: each action between its own step-start and step-end, progress never going back', async () => {
    const a = answers();
    const file = seeded();
    const events: ProgressEvent[] = [];
    const report = await run('install', file, a, { jobs: 4, onEvent: (e) => events.push(e) });
    expect(report.status).toBe('done');
    const open = new Set<string>();
    const actions = new Map<string, number>();
    let overlapped = false;
    const starts = events.filter((e) => e.type === 'step-start');
    for (const e of events) {
      if (e.type === 'step-start') {
        expect(open.has(e.step)).toBe(false);
        open.add(e.step);
        if (open.size > 1) overlapped = true;
      } else if (e.type === 'action-start' || e.type === 'action-end' || e.type === 'action-output') {
        expect(open.has(e.step), `${e.type} of ${e.step} outside its step`).toBe(true);
        if (e.type === 'action-start') actions.set(`${e.step}#${e.index}`, 1);
        if (e.type === 'action-end') {
          expect(actions.get(`${e.step}#${e.index}`)).toBe(1);
          actions.set(`${e.step}#${e.index}`, 2);
        }
      } else if (e.type === 'step-end' && e.status !== 'skipped') open.delete(e.step);
    }
    expect(overlapped).toBe(true);
    expect([...actions.values()].every((v) => v === 2)).toBe(true);
    // Each step starts once, with its own place in the run.
    expect(new Set(starts.map((e) => e.step)).size).toBe(starts.length);
    expect(new Set(starts.map((e) => (e.type === 'step-start' ? e.index : -1))).size).toBe(starts.length);
    const overall = events.flatMap((e) => (e.type === 'progress' ? [e.overall] : []));
    expect([...overall].sort((x, y) => x - y)).toEqual(overall);
    expect(overall.at(-1)).toBe(1);
  });

  it('a fault in one of two steps in flight leaves the other finished, fails the run cleanly, and repair converges', async () => {
    const a = answers();
    // The IIS features step fails at once while the SQL Express step (started with it) is busy
    // unpacking and installing (hundreds of ms), whatever the load on this machine.
    const file = seeded((s) => {
      s.latencyMs = { ...LATENCY, windowsFeature: 0, exec: 150, msi: 100 };
      s.faults.push({
        describeIncludes: 'Enable Windows features',
        message: 'servicing stack broken',
        times: 1,
      });
    });
    const report = await run('install', file, a, { jobs: 4 });
    expect(report.status).toBe('failed');
    expect(report.exitCode).toBe(1);
    expect(report.error?.step).toBe('win-iis-features');
    expect(report.error?.message).toContain('servicing stack broken');
    const status = Object.fromEntries(report.steps.map((s) => [s.id, s.status]));
    expect(status['win-iis-features']).toBe('failed');
    expect(status['win-sqlexpress']).toBe('changed');
    const j = lastRun(journalOf(file, a));
    const at = (type: string, step: string) =>
      j.findIndex((e) => e.type === type && 'step' in e && e.step === step);
    // In flight together: SQL Express started before the failure and finished after it.
    expect(at('step-start', 'win-sqlexpress')).toBeLessThan(at('step-failed', 'win-iis-features'));
    expect(at('step-ok', 'win-sqlexpress')).toBeGreaterThan(at('step-failed', 'win-iis-features'));
    // Nothing that depends on the failed step started; the run ended with its record.
    expect(at('step-start', 'win-default-site')).toBe(-1);
    expect(j.at(-1)).toMatchObject({ type: 'run-end', ok: false, exitCode: 1 });
    expect(report.notDone).toContain('win-iis-features');
    expect(report.notDone).toContain('win-default-site');
    expect(report.notDone).not.toContain('win-sqlexpress');
    expect(readState(file).products['sqlserver:QATRACK']).toBeDefined();

    const repaired = await run('repair', file, a, { jobs: 4 });
    expect(repaired.error ?? null).toBeNull();
    expect(repaired.checks.filter((c) => !c.ok)).toEqual([]);
    expect((await run('plan', file, a)).changes).toBe(0);
    expect(readState(file).concurrency?.msiOverlaps).toEqual([]);
  });

  it('cancel while two steps are in flight stops both, lands neither, and a resumed run finishes', async () => {
    const a = answers();
    const file = seeded((s) => (s.latencyMs = { ...LATENCY, exec: 200, msi: 200 }));
    const controller = new AbortController();
    const inFlight = new Set<string>();
    let cancelledWith: string[] = [];
    const report = await run('install', file, a, {
      jobs: 4,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'action-start') inFlight.add(e.step);
        if (e.type === 'action-end') inFlight.delete(e.step);
        if (inFlight.size >= 2 && !controller.signal.aborted) {
          cancelledWith = [...inFlight];
          controller.abort();
        }
      },
    });
    expect(cancelledWith.length).toBeGreaterThanOrEqual(2);
    expect(report.status).toBe('cancelled');
    expect(report.exitCode).toBe(130);
    const status = Object.fromEntries(report.steps.map((s) => [s.id, s.status]));
    for (const step of cancelledWith) {
      expect(status[step]).toBe('cancelled');
      expect(report.notDone).toContain(step);
    }
    const j = lastRun(journalOf(file, a));
    expect(stepsWith(j, 'step-failed')).toEqual(expect.arrayContaining(cancelledWith));
    // The cancelled actions never landed: nothing from those steps is on the machine yet.
    const before = readState(file);
    expect(Object.keys(before.products)).toEqual([]);
    // No step started after the cancel.
    const started = stepsWith(j, 'step-start');
    expect(started.length).toBe(new Set([...stepsWith(j, 'step-ok'), ...stepsWith(j, 'step-failed')]).size);

    const resumed = await run('install', file, a, { jobs: 4 });
    expect(resumed.error ?? null).toBeNull();
    expect(resumed.checks.filter((c) => !c.ok)).toEqual([]);
    expect((await run('plan', file, a)).changes).toBe(0);
  });
});
