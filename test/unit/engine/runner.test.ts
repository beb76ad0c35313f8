import { describe, expect, it } from 'vitest';
import type { ActionInput } from '../../../electron/engine/actions/index.js';
import type { FileResult } from '../../../electron/engine/queries.js';
import type { ProgressEvent } from '../../../electron/engine/events.js';
import { InputError } from '../../../electron/engine/errors.js';
import { Runner } from '../../../electron/engine/runner.js';
import { defineStep, type Step } from '../../../electron/engine/step.js';
import type { ApplyContext, Host } from '../../../electron/engine/host.js';
import { CANARY, simContext } from '../../support/engine-context.js';

/** A step that wants `path` to be a folder. */
const folder = (id: string, path: string, dependsOn: string[] = [], extra: Partial<Step> = {}) =>
  defineStep({
    id,
    title: `Folder ${path}`,
    dependsOn,
    probe: ({ host }) => host.query({ kind: 'file', path }),
    plan: (_ctx, f: FileResult): ActionInput[] =>
      f.exists ? [] : [{ kind: 'mkdir', describe: `Create folder ${path}`, path }],
    verify: async ({ host }) => {
      const f = await host.query({ kind: 'file', path });
      return [{ id, title: `Folder ${path}`, ok: f.exists, detail: f.exists ? 'present' : 'missing' }];
    },
    ...extra,
  });

const runnerFor = async (
  steps: Step<any>[],
  opts: { host?: Host; signal?: AbortSignal; timeout?: number; jobs?: number } = {},
) => {
  const c = await simContext(opts.host);
  const runner = new Runner({
    runId: 'test',
    steps,
    ctx: c.ctx,
    redactor: c.redactor,
    events: c.events,
    signal: opts.signal,
    defaultActionTimeoutMs: opts.timeout,
    jobs: opts.jobs,
  });
  return { runner, ...c };
};

/** Wraps the sim host so chosen actions hang (optionally ignoring their abort signal). */
const hangingHost = async (match: string, honourSignal: boolean, onApply?: () => void) => {
  const { ctx } = await simContext();
  const inner = ctx.host;
  const host: Host = {
    kind: 'posix',
    platform: 'win32',
    query: (q) => inner.query(q),
    apply: (action, actx: ApplyContext) => {
      if (!action.describe.includes(match)) return inner.apply(action, actx);
      onApply?.();
      return new Promise((_, reject) => {
        if (honourSignal) actx.signal.addEventListener('abort', () => reject(new Error('aborted by signal')));
      });
    },
    close: () => inner.close(),
  };
  return host;
};

describe('runner', () => {
  it('plans, installs, then plans nothing on the converged machine', async () => {
    const steps = [folder('b', 'C:\\A\\B', ['a']), folder('a', 'C:\\A')];
    const { runner, seen } = await runnerFor(steps);
    const plan = await runner.plan();
    expect(plan.steps.map((s) => [s.id, s.actions.length])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    const report = await runner.install();
    expect(report.status).toBe('done');
    expect(report.exitCode).toBe(0);
    const overall = seen
      .filter((e): e is Extract<ProgressEvent, { type: 'progress' }> => e.type === 'progress')
      .map((e) => e.overall);
    expect(overall.at(-1)).toBe(1);
    expect([...overall].sort((x, y) => x - y)).toEqual(overall); // never goes back
    expect(report.checks.every((c) => c.ok)).toBe(true);
    const again = await runner.plan();
    expect(again.changes).toBe(0);
    const second = await runner.install();
    expect(second.status).toBe('nothing-to-do');
    expect(seen.filter((e) => e.type === 'action-start')).toHaveLength(2); // only the first install applied
  });

  it('skips steps whose appliesTo is false', async () => {
    const { runner } = await runnerFor([
      folder('a', 'C:\\A', [], { appliesTo: () => false }),
      folder('b', 'C:\\B'),
    ]);
    const plan = await runner.plan();
    expect(plan.skipped.map((s) => s.id)).toEqual(['a']);
    expect(plan.changes).toBe(1);
  });

  it('reports a step that plans an invalid action as a bug naming the step and field', async () => {
    const bad = defineStep({
      id: 'bad',
      title: 'Bad step',
      dependsOn: [],
      probe: () => Promise.resolve(undefined),
      plan: () => [{ kind: 'mkdir', describe: 'no path' } as unknown as ActionInput],
    });
    const { runner } = await runnerFor([bad]);
    await expect(runner.plan()).rejects.toThrow(/Step "bad" planned an invalid action #1: path:/);
  });

  it('refuses an action that carries a secret value instead of a reference', async () => {
    const leaky = defineStep({
      id: 'leaky',
      title: 'Leaky',
      dependsOn: [],
      probe: () => Promise.resolve(undefined),
      plan: ({ secrets }) => [
        {
          kind: 'exec',
          describe: 'sqlcmd',
          file: 'C:\\sqlcmd.exe',
          args: ['-P', secrets.get('database.login.password')!],
        },
      ],
    });
    const { runner } = await runnerFor([leaky]);
    const err = await runner.plan().catch((e: Error) => e);
    expect((err as Error).message).toMatch(/put a secret value into action #1/);
    expect((err as Error).message).not.toContain(CANARY);
  });

  it('fails an action that overruns its time limit even if the host ignores the signal', async () => {
    const host = await hangingHost('B', false);
    const { runner } = await runnerFor(
      [folder('a', 'C:\\A'), folder('b', 'C:\\B', ['a']), folder('c', 'C:\\C', ['b'])],
      { host, timeout: 150 },
    );
    const t0 = Date.now();
    const report = await runner.install();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(report.status).toBe('failed');
    expect(report.exitCode).toBe(1);
    expect(report.error?.code).toBe('ACTION_TIMEOUT');
    expect(report.error?.step).toBe('b');
    expect(report.notDone).toEqual(['b', 'c']);
    expect(report.steps.map((s) => s.status)).toEqual(['changed', 'failed', 'pending']);
  });

  it('cancels (sequential): the running action is aborted and the steps not done are reported', async () => {
    const controller = new AbortController();
    const host = await hangingHost('B', true, () => setTimeout(() => controller.abort(), 20));
    const { runner, seen } = await runnerFor(
      [folder('a', 'C:\\A'), folder('b', 'C:\\B', ['a']), folder('c', 'C:\\C')],
      {
        host,
        signal: controller.signal,
        jobs: 1,
      },
    );
    const report = await runner.install();
    expect(report.status).toBe('cancelled');
    expect(report.exitCode).toBe(130);
    expect(report.notDone).toEqual(['b', 'c']);
    expect(report.message).toMatch(/Not done: b, c/);
    expect(seen.at(-1)).toMatchObject({ type: 'run-end', ok: false, exitCode: 130 });
  });

  it('cancels (parallel): a step independent of the hanging one has finished, only the hung one is not done', async () => {
    const controller = new AbortController();
    // Cancel once B hangs and C (independent of B) has ended, whatever the machine's speed.
    let bHangs = false;
    let cEnded = false;
    const maybeCancel = () => {
      if (bHangs && cEnded) controller.abort();
    };
    const host = await hangingHost('B', true, () => {
      bHangs = true;
      maybeCancel();
    });
    const { runner, events } = await runnerFor(
      [folder('a', 'C:\\A'), folder('b', 'C:\\B', ['a']), folder('c', 'C:\\C')],
      { host, signal: controller.signal },
    );
    events.on((e) => {
      if (e.type !== 'step-end' || e.step !== 'c') return;
      cEnded = true;
      maybeCancel();
    });
    const report = await runner.install();
    expect(report.status).toBe('cancelled');
    expect(report.notDone).toEqual(['b']);
    expect(Object.fromEntries(report.steps.map((s) => [s.id, s.status]))).toEqual({
      a: 'changed',
      b: 'cancelled',
      c: 'changed',
    });
  });

  it('on a reboot request finishes independent steps, defers dependents and says to run repair', async () => {
    const reboot = defineStep({
      id: 'vcredist',
      title: 'VC++ runtime',
      dependsOn: [],
      probe: ({ host }) => host.query({ kind: 'product', id: 'vcredist' }),
      plan: (_c, p): ActionInput[] =>
        p.installed
          ? []
          : [
              {
                kind: 'exec',
                describe: 'Install VC++',
                file: 'C:\\vc.exe',
                produces: [{ kind: 'product', id: 'vcredist', version: '14' }, { kind: 'rebootRequired' }],
              },
            ],
    });
    const steps = [reboot, folder('after', 'C:\\After', ['vcredist']), folder('other', 'C:\\Other')];
    const { runner, ctx } = await runnerFor(steps);
    const report = await runner.install();
    expect(report.status).toBe('reboot-required');
    expect(report.exitCode).toBe(3010);
    expect(report.notDone).toEqual(['after']);
    expect(report.message).toMatch(/Reboot needed.*repair/);
    expect((await ctx.host.query({ kind: 'file', path: 'C:\\Other' })).exists).toBe(true);
    expect((await ctx.host.query({ kind: 'file', path: 'C:\\After' })).exists).toBe(false);
    const repair = await runner.install('repair');
    expect(repair.status).toBe('done');
    expect(repair.drift?.map((c) => c.id)).toEqual(['after']);
  });

  it('checks what a real exec said it produces', async () => {
    const { ctx } = await simContext();
    const inner = ctx.host;
    const host: Host = {
      ...inner,
      kind: 'posix',
      query: (q) => inner.query(q),
      apply: () => Promise.resolve({}),
      close: () => inner.close(),
    };
    const step = defineStep({
      id: 'venv',
      title: 'venv',
      dependsOn: [],
      probe: () => Promise.resolve(undefined),
      plan: () => [
        {
          kind: 'exec',
          describe: 'Create venv',
          file: '/usr/bin/python3',
          args: ['-m', 'venv', '/opt/v'],
          produces: [{ kind: 'file', path: '/opt/v/bin/python' }],
        },
      ],
    });
    const { runner } = await runnerFor([step], { host });
    const report = await runner.install();
    expect(report.error).toMatchObject({ code: 'EFFECT_MISSING', step: 'venv' });
    expect(report.error?.message).toMatch(/file \/opt\/v\/bin\/python is missing/);
  });

  it('uninstalls in reverse order', async () => {
    const rm = (id: string, path: string, deps: string[] = []) =>
      folder(id, path, deps, {
        planUninstall: async ({ host }) =>
          (await host.query({ kind: 'file', path })).exists
            ? [{ kind: 'remove', describe: `Remove ${path}`, path, recursive: true }]
            : [],
      });
    const { runner, seen } = await runnerFor([rm('a', 'C:\\A'), rm('b', 'C:\\B', ['a'])]);
    await runner.install();
    seen.length = 0;
    const report = await runner.uninstall({ keepData: true });
    expect(report.status).toBe('done');
    expect(seen.filter((e) => e.type === 'action-start').map((e) => (e as any).describe)).toEqual([
      'Remove C:\\B',
      'Remove C:\\A',
    ]);
  });

  it('redacts secrets from events and reports', async () => {
    const failing = defineStep({
      id: 'sql',
      title: 'SQL login',
      dependsOn: [],
      probe: ({ secrets }) =>
        Promise.reject(
          new Error(`Login failed: password '${secrets.get('database.login.password')}' rejected`),
        ),
      plan: () => [],
    });
    const { runner, seen, logger } = await runnerFor([failing]);
    const report = await runner.install();
    expect(report.status).toBe('failed');
    const everything = JSON.stringify([report, seen, logger.lines]);
    expect(everything).toContain('Login failed');
    expect(everything).not.toContain('C4nary');
  });
});

describe('bad input found while planning', () => {
  const refuses = (id: string, dependsOn: string[] = []) =>
    defineStep({
      id,
      title: `Refuses ${id}`,
      dependsOn,
      probe: () => Promise.resolve(undefined),
      plan: (): ActionInput[] => {
        throw new InputError('PORT_IN_USE', 'Port 80 is in use by w3wp.exe (PID 1234).', [
          { path: 'site.httpPort', message: 'in use' },
        ]);
      },
    });

  it('exits 64 when nothing was changed yet', async () => {
    const { runner } = await runnerFor([refuses('preflight'), folder('a', 'C:\\A', ['preflight'])]);
    const report = await runner.install();
    expect(report.exitCode).toBe(64);
    expect(report.steps.find((s) => s.id === 'a')?.status).toBe('pending');
  });

  it('exits 1 once this run has changed the machine (repair is needed then)', async () => {
    const { runner } = await runnerFor([folder('a', 'C:\\A'), refuses('late', ['a'])]);
    const report = await runner.install();
    expect(report.steps.find((s) => s.id === 'a')?.status).toBe('changed');
    expect(report.exitCode).toBe(1);
  });
});
