/**
 * Parallel apply, sequential (--jobs 1) vs parallel (--jobs 4), side by side from one run:
 *
 * 1. posix: the whole install of the QATrack+ fixture through the CLI (real PostgreSQL, nginx,
 *    cheroot workers, Python 3.9), each on a fresh site; wall time of each. The --jobs 1 run's
 *    events (--json) give the measured duration of every action, used below.
 * 2. Windows: the plan the runner makes on a clean simulated server, each action given its
 *    estimated duration (the table below says where each figure comes from), then scheduled by
 *    the runner's own parts (step graph, scheduler with --jobs, claims) in virtual time, so the
 *    figure is exact and free of this machine's load. Printed beside it: the sum of all estimates
 *    and the critical path (the longest dependency chain, ignoring claims and the job limit), the
 *    bound no scheduler can beat, and the Windows Installer transactions end to end.
 *
 * Prints figures and ratios; asserts nothing.
 *
 *   npx tsx bench/parallel-apply.ts                 (both; posix needs scripts/setup-test-deps.sh)
 *   npx tsx bench/parallel-apply.ts --windows-only  (the model with the fallback estimates only)
 */
import os from 'node:os';
import path from 'node:path';
import type { Action } from '../electron/engine/actions/index.js';
import { configureResources } from '../electron/engine/resources.js';
import { orderSteps } from '../electron/engine/order.js';
import type { PlanResult } from '../electron/engine/report.js';
import { ClaimTable, claimsFor, runsWindowsInstaller } from '../electron/engine/scheduler/claims.js';
import { graphOf } from '../electron/engine/scheduler/graph.js';
import { runSchedule } from '../electron/engine/scheduler/schedule.js';
import { runSession } from '../electron/app/session.js';
import type { SimState } from '../electron/hosts/sim/state.js';
import { cleanServer, withExistingSql } from '../electron/hosts/sim/windows/seed.js';
import { posixProfile } from '../electron/steps/posix/index.js';
import { windowsProfile } from '../electron/steps/windows/index.js';
import * as posix from '../test/support/posix-site.js';
import { repoRoot } from '../test/support/fixture.js';
import { exampleAnswers, newStateFile } from '../test/support/windows-sim.js';

configureResources(path.join(repoRoot, 'resources'));

/** Measured posix durations of the common steps' actions, by step id and action index. */
type Measured = Map<string, { seconds: number; describe: string }>;

/** The same action on both hosts: same step, same place, same first two words ("Run manage.py"). */
const lead = (describe: string) => describe.split(' ').slice(0, 2).join(' ');

interface Estimate {
  what: string;
  seconds: number;
  source: string;
}

/**
 * Per-action duration estimates for the Windows plan. Where no published figure exists the
 * figure is marked UNCONFIRMED: it is an engineer's estimate of a typical server (4 vCPU, SSD).
 */
function estimate(stepId: string, index: number, a: Action, measured: Measured): Estimate {
  const posixFigure = measured.get(`${stepId}#${index}`);
  if (posixFigure !== undefined && lead(posixFigure.describe) === lead(a.describe))
    return {
      what: `${stepId} action ${index + 1}`,
      seconds: posixFigure.seconds,
      source: 'measured: the same common-step action in this run on posix (--jobs 1)',
    };
  const d = a.describe;
  if (a.kind === 'exec' && /SQL Server Express instance/.test(d))
    return {
      what: 'SQL Server Express setup',
      seconds: 600,
      source: 'UNCONFIRMED (setup of one instance, 10 min)',
    };
  if (a.kind === 'exec' && /^Unpack SQL Server Express/.test(d))
    return { what: 'SQL Express self-extract', seconds: 60, source: 'UNCONFIRMED' };
  if (a.kind === 'exec' && /^Install Python/.test(d))
    return { what: 'Python 3.9 installer', seconds: 90, source: 'UNCONFIRMED' };
  if (a.kind === 'exec' && /Visual C\+\+/.test(d))
    return { what: 'VC++ redistributable', seconds: 30, source: 'UNCONFIRMED' };
  if (a.kind === 'exec' && /ODBC Driver/.test(d))
    return { what: 'ODBC Driver 17 MSI', seconds: 30, source: 'UNCONFIRMED' };
  if (a.kind === 'exec' && /Chrome/.test(d))
    return { what: 'Chrome enterprise MSI', seconds: 90, source: 'UNCONFIRMED' };
  if (runsWindowsInstaller(a))
    return { what: 'other MSI (URL Rewrite, ARR)', seconds: 20, source: 'UNCONFIRMED' };
  if (a.kind === 'windowsFeature')
    return { what: 'Install-WindowsFeature (IIS role)', seconds: 180, source: 'UNCONFIRMED' };
  if (a.kind === 'copy')
    return { what: 'copy into staging', seconds: 5, source: 'UNCONFIRMED (bundle on USB 3)' };
  if (a.kind === 'waitHttp') return { what: 'wait for HTTP', seconds: 5, source: 'UNCONFIRMED' };
  if (a.kind === 'winService' || a.kind === 'service')
    return { what: 'service change', seconds: 3, source: 'UNCONFIRMED (WinSW start + port)' };
  if (a.kind === 'exec') return { what: 'other program', seconds: 5, source: 'UNCONFIRMED' };
  if (a.kind === 'sql') return { what: 'T-SQL batch', seconds: 0.5, source: 'UNCONFIRMED' };
  if (a.kind === 'iis') return { what: 'appcmd change', seconds: 1, source: 'UNCONFIRMED' };
  return { what: `${a.kind}`, seconds: 0.3, source: 'UNCONFIRMED (file, ACL, registry, firewall)' };
}

/**
 * Virtual time: `sleep` registers a wake-up, and `run` advances the clock to the earliest one
 * whenever nothing else can move (every promise settled), so a schedule of hours runs in moments
 * and its length is exact, with no machine load in the figure.
 */
class VirtualClock {
  now = 0;
  #timers: { at: number; wake: () => void }[] = [];

  sleep(seconds: number): Promise<void> {
    return new Promise((wake) => this.#timers.push({ at: this.now + seconds, wake }));
  }

  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    void work.finally(() => (settled = true));
    for (;;) {
      await new Promise((r) => setImmediate(r));
      if (settled) return work;
      this.#timers.sort((x, y) => x.at - y.at);
      const next = this.#timers.shift();
      if (!next) throw new Error('the schedule is stuck: nothing runs and nothing waits for time');
      this.now = next.at;
      next.wake();
    }
  }
}

/**
 * The runner's own scheduling on the plan: its graph (graphOf), its scheduler (runSchedule) with
 * `jobs`, each action taking its claims (ClaimTable, claimsFor) and then its estimated time.
 * Returns the modelled wall time in seconds.
 */
async function virtualInstall(
  plan: PlanResult,
  jobs: number,
  seconds: (a: Action) => number,
  actionsOf: Map<string, Action[]>,
  database: string,
): Promise<number> {
  const clock = new VirtualClock();
  const claims = new ClaimTable();
  const signal = new AbortController().signal;
  const graph = graphOf(orderSteps(windowsProfile), new Set(plan.steps.map((st) => st.id)));
  await clock.run(
    runSchedule({
      nodes: graph,
      jobs,
      signal,
      run: async (n) => {
        for (const act of actionsOf.get(n.id) ?? []) {
          const release = await claims.acquire(claimsFor(act, { database }), n.id, signal);
          await clock.sleep(seconds(act));
          release();
        }
        return { ok: true };
      },
    }),
  );
  return clock.now;
}

/** Each Windows case: its answers and the clean server it starts from. */
const windowsCases: Record<
  string,
  { answers: () => ReturnType<typeof exampleAnswers>; seed: () => SimState }
> = {
  'existing SQL Server (example answers)': {
    answers: () => exampleAnswers(),
    seed: () => withExistingSql(cleanServer()),
  },
  'SQL Express + bundled Chrome': {
    answers: () =>
      exampleAnswers((a) => {
        a.database.mode = 'express';
        a.database.server = 'localhost';
        a.database.instance = 'QATRACK';
        a.chrome = { mode: 'bundle' };
      }),
    seed: () => cleanServer(),
  },
};

async function windowsModel(label: string, c: (typeof windowsCases)[string], measured: Measured) {
  const a = c.answers();
  const { result: plan } = await runSession({
    command: 'plan',
    answers: a.answers,
    secrets: a.secrets,
    hostSpec: { kind: 'sim', file: newStateFile(c.seed()) },
    steps: windowsProfile,
  });
  const seconds = new Map<Action, number>();
  const stepSeconds = new Map<string, number>();
  for (const s of plan.steps) {
    let sum = 0;
    s.actions.forEach((act, i) => {
      const e = estimate(s.id, i, act, measured);
      seconds.set(act, e.seconds);
      sum += e.seconds;
    });
    stepSeconds.set(s.id, sum);
  }
  // Critical path: the longest chain through the step graph (no claims, no job limit).
  const finish = new Map<string, number>();
  for (const step of orderSteps(windowsProfile)) {
    const start = Math.max(0, ...step.dependsOn.map((d) => finish.get(d) ?? 0));
    finish.set(step.id, start + (stepSeconds.get(step.id) ?? 0));
  }
  const critical = Math.max(...finish.values());
  const total = [...stepSeconds.values()].reduce((x, y) => x + y, 0);
  const msiTotal = plan.steps
    .flatMap((s) => s.actions)
    .filter(runsWindowsInstaller)
    .reduce((x, act) => x + (seconds.get(act) ?? 0), 0);

  const actionsOf = new Map(plan.steps.map((st) => [st.id, st.actions]));
  const modelled: Record<number, number> = {};
  for (const jobs of [1, 4])
    modelled[jobs] = await virtualInstall(
      plan,
      jobs,
      (act) => seconds.get(act) ?? 0,
      actionsOf,
      a.answers.database.name,
    );
  const min = (s: number) => `${(s / 60).toFixed(1).padStart(5)} min`;
  console.log(
    `\nWindows plan, ${label}: ${plan.changes} actions in ${plan.steps.filter((s) => s.actions.length).length} steps`,
  );
  console.log(`  sum of estimates             ${min(total)}`);
  console.log(`  runner's schedule, --jobs 1  ${min(modelled[1]!)}`);
  console.log(
    `  runner's schedule, --jobs 4  ${min(modelled[4]!)}   ratio jobs4/jobs1 ${(modelled[4]! / modelled[1]!).toFixed(2)}`,
  );
  console.log(
    `  critical path (no claims)    ${min(critical)}   ratio to jobs 1 ${(critical / modelled[1]!).toFixed(2)}`,
  );
  console.log(
    `  Windows Installer, serial    ${min(msiTotal)}   (one MSI at a time: a floor with the claim)`,
  );
}

/** posix: both installs on fresh sites; returns the measured per-action seconds of the --jobs 1 run. */
async function posixRuns(): Promise<Measured> {
  const measured: Measured = new Map();
  const missing = process.argv.includes('--windows-only') ? '--windows-only' : await posix.missingTools();
  if (missing) {
    console.log(`posix install: skipped (${missing}); Windows common steps use the fallback estimates`);
    return measured;
  }
  const wall: Record<string, number> = {};
  for (const jobs of ['1', '4']) {
    const site = await posix.prepareSite();
    try {
      const t0 = performance.now();
      const r = await posix.cli(site, ['install', '--yes', '--json', '--jobs', jobs]);
      wall[jobs] = (performance.now() - t0) / 1000;
      if (r.exitCode !== 0) console.log(`posix --jobs ${jobs} exit ${r.exitCode}\n${r.all.slice(-2000)}`);
      if (jobs === '1') {
        const described = new Map<string, string>();
        for (const line of r.stdout.split('\n')) {
          if (!line.startsWith('{')) continue;
          const e = JSON.parse(line) as {
            type: string;
            step?: string;
            index?: number;
            durationMs?: number;
            describe?: string;
          };
          const key = `${e.step}#${e.index}`;
          if (e.type === 'action-start' && e.describe) described.set(key, e.describe);
          if (e.type === 'action-end' && e.durationMs !== undefined)
            measured.set(key, { seconds: e.durationMs / 1000, describe: described.get(key) ?? '' });
        }
      }
    } finally {
      await posix.teardownSite(site);
    }
  }
  console.log('posix install of the fixture (CLI, real PostgreSQL + nginx + cheroot, fresh site each)');
  console.log(`  --jobs 1   ${wall['1']!.toFixed(1).padStart(6)} s`);
  console.log(
    `  --jobs 4   ${wall['4']!.toFixed(1).padStart(6)} s   ratio jobs4/jobs1 ${(wall['4']! / wall['1']!).toFixed(2)}`,
  );
  // Why the ratio is what it is: the actions' own time along the longest dependency chain.
  const perStep = new Map<string, number>();
  for (const [key, m] of measured) {
    const step = key.split('#')[0]!;
    perStep.set(step, (perStep.get(step) ?? 0) + m.seconds);
  }
  const finish = new Map<string, number>();
  for (const step of orderSteps(posixProfile)) {
    const start = Math.max(0, ...step.dependsOn.map((d) => finish.get(d) ?? 0));
    finish.set(step.id, start + (perStep.get(step.id) ?? 0));
  }
  const actionsSum = [...perStep.values()].reduce((x, y) => x + y, 0);
  const chain = Math.max(...finish.values());
  console.log(
    `  actions (--jobs 1 run): ${actionsSum.toFixed(1)} s in all, ${chain.toFixed(1)} s on the critical path (${((chain / actionsSum) * 100).toFixed(0)}%)`,
  );
  const longest = [...measured.values()].sort((x, y) => y.seconds - x.seconds).slice(0, 5);
  for (const m of longest)
    console.log(`    ${m.seconds.toFixed(1).padStart(5)} s  ${m.describe.slice(0, 90)}`);
  return measured;
}

{
  console.log(
    `load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} CPUs\n`,
  );
  const measured = await posixRuns();
  // The posix common steps' measured actions stand in for the same Windows ones (venv, wheelhouse,
  // source, local_settings.py, Django commands): the same programs on the same release.
  for (const [label, c] of Object.entries(windowsCases)) await windowsModel(label, c, measured);
  console.log(
    "\nWindows figures are virtual time: the runner's graph, scheduler and claims over the estimates.",
  );
}
