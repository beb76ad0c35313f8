import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { actionSchema, type ActionInput } from '../../engine/actions/index.js';
import type { Answers } from '../../engine/answers/index.js';
import { withEnvSecrets } from '../../engine/answers/strip.js';
import { CancelledError, EXIT } from '../../engine/errors.js';
import type { PlanResult, RunReport } from '../../engine/report.js';
import type { SecretStore } from '../../engine/secrets.js';
import { untilCancelled, upgradeFault } from '../../engine/upgrade/fault.js';
import { UPGRADE_STATE_FILE, type WinUpgradeState } from '../../engine/upgrade/upgrade-state.js';
import { createHost, type HostSpec } from '../../hosts/index.js';
import { runSession } from '../session.js';
import type { UpgradeEvent } from './context.js';
import {
  derive,
  windowsRollbackPhases,
  windowsUpgradePhases,
  type Derived,
  type WinPhase,
  type WinPhaseId,
  type WinUpgradeSpec,
} from './windows-phases.js';

export interface WinUpgradeRun {
  spec: WinUpgradeSpec;
  secrets: SecretStore;
  hostSpec: HostSpec;
  logFile?: string;
  onEvent: (
    e: UpgradeEvent | { type: 'upgrade-phase'; id: WinPhaseId; state: 'start' | 'done'; describe: string },
  ) => void;
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

export interface WinUpgradePlan {
  from: string;
  to: string;
  path: Derived['path'];
  backupFolder: string;
  releaseDir: string;
  newDatabase?: string;
  phases: { id: WinPhaseId; describe: string; steps: PlanResult['steps'] }[];
  changes: number;
}

function sessionFor(run: Omit<WinUpgradeRun, 'onEvent'>, d: Derived, phase: WinPhase) {
  const to = phase.side === 'to';
  const answers: Answers = to ? d.toAnswers : run.spec.answers;
  const dir = to ? d.toDir : run.spec.fromDir;
  return {
    answers,
    secrets: run.secrets,
    hostSpec: run.hostSpec,
    steps: phase.steps,
    catalog: to ? run.spec.catalogTo : run.spec.catalogFrom,
    ...(dir.toLowerCase() === answers.paths.installDir.toLowerCase() ? {} : { releaseRoot: dir }),
    ...(run.logFile ? { logFile: run.logFile } : {}),
  };
}

/**
 * Every phase planned in order, each on the machine as the phases before it leave it: on the sim
 * host the phases are applied to a scratch copy of its state as the plan goes (so the services'
 * plan sees the staged release, local_settings.py the copied SECRET_KEY); the state itself is
 * never touched. What a change board reviews.
 */
export async function planWindowsUpgrade(
  run: Omit<WinUpgradeRun, 'onEvent' | 'signal'>,
): Promise<WinUpgradePlan> {
  const d = derive(run.spec);
  const phases: WinUpgradePlan['phases'] = [];
  const scratchDir =
    run.hostSpec.kind === 'sim' ? await mkdtemp(path.join(tmpdir(), 'qatrack-upgrade-plan-')) : undefined;
  let hostSpec: HostSpec = run.hostSpec;
  if (scratchDir && run.hostSpec.kind === 'sim') {
    const file = path.join(scratchDir, 'state.json');
    await copyFile(run.hostSpec.file, file);
    hostSpec = { kind: 'sim', file };
  }
  // A scratch session logs beside the scratch state, never into the real run's log.
  const scratch = { ...run, hostSpec, ...(scratchDir ? { logFile: path.join(scratchDir, 'plan.log') } : {}) };
  let applying = !!scratchDir;
  try {
    for (const phase of windowsUpgradePhases(run.spec, d)) {
      const steps: PlanResult['steps'] = [];
      // One step at a time, each planned after the one before it was applied to the scratch copy.
      for (const step of phase.steps) {
        const one = { ...phase, steps: [{ ...step, dependsOn: [] }] };
        const { result } = await runSession({
          command: 'plan',
          ...sessionFor({ ...scratch, signal: new AbortController().signal }, d, one),
        });
        steps.push(...result.steps);
        if (!applying) continue;
        try {
          const quiet = { ...scratch, onEvent: () => undefined, signal: new AbortController().signal };
          await applyPhase(quiet, d, one, new AbortController().signal);
        } catch {
          applying = false; // later steps are planned on the scratch state as it got
        }
      }
      phases.push({ id: phase.id, describe: phase.describe, steps });
    }
  } finally {
    if (scratchDir) await rm(scratchDir, { recursive: true, force: true });
  }
  return {
    from: run.spec.from,
    to: run.spec.to,
    path: d.path,
    backupFolder: d.backupFolder,
    releaseDir: d.toDir,
    ...(d.newDb ? { newDatabase: d.newDb } : {}),
    phases,
    changes: phases.reduce((n, p) => n + p.steps.reduce((m, s) => m + s.actions.length, 0), 0),
  };
}

export interface WinUpgradeOutcome {
  ok: boolean;
  exitCode: number;
  message: string;
  failedPhase?: WinPhaseId;
  rolledBack: boolean;
  backupFolder: string;
}

export async function applyPhase(
  run: WinUpgradeRun,
  d: Derived,
  phase: WinPhase,
  signal: AbortSignal,
): Promise<void> {
  const { result } = await runSession({
    command: 'install',
    ...sessionFor(run, d, phase),
    signal,
    onEvent: (e) => {
      if (e.type === 'action-start') run.onEvent({ type: 'upgrade-log', message: e.describe });
    },
  });
  const report = result as RunReport;
  if (report.status === 'cancelled') throw new CancelledError('The upgrade was cancelled.');
  if (!report.ok) throw new Error(report.error?.message ?? report.message);
}

/** Where the upgrade state lives on the target: the deployment's state folder (beside installed-release.json). */
export const winUpgradeStateFile = (d: Derived) =>
  d.fromLayout.join(d.fromLayout.stateDir, UPGRADE_STATE_FILE);

/** One action on the target, outside a session (the upgrade's own bookkeeping, no step behind it). */
async function onTarget(
  run: Pick<WinUpgradeRun, 'hostSpec' | 'secrets'>,
  action: ActionInput,
): Promise<void> {
  const host = await createHost(run.hostSpec, { secrets: run.secrets, owner: 'upgrade' });
  try {
    await host.apply(actionSchema.parse(action), {
      secrets: run.secrets,
      signal: new AbortController().signal,
      timeoutMs: 60_000,
      onOutput: () => undefined,
    });
  } finally {
    await host.close();
  }
}

/**
 * The upgrade state on the target, rewritten as each phase starts (and once the health check
 * passed): a run killed by SIGKILL leaves it, `upgrade` then refuses and `repair` resumes from it
 * (resume.ts). Written with the same writeFile action the record phase writes installed-release.json
 * with; the answers hold env references, never a secret.
 */
export function winStateRecorder(
  run: Pick<WinUpgradeRun, 'hostSpec' | 'secrets' | 'spec'>,
  d: Derived,
  start?: Pick<WinUpgradeState, 'reached' | 'done' | 'pid'>,
) {
  const file = winUpgradeStateFile(d);
  const reached = new Set<WinPhaseId>(start?.reached ?? []);
  const done = new Set<WinPhaseId>(start?.done ?? []);
  const write = (phase: WinPhaseId) => {
    const state: WinUpgradeState = {
      host: 'windows',
      from: run.spec.from,
      to: run.spec.to,
      fromDir: run.spec.fromDir,
      toDir: d.toDir,
      phase,
      done: [...done],
      reached: [...reached],
      backupDir: d.backupFolder,
      ...(d.newDb ? { newDatabase: d.newDb } : {}),
      answers: withEnvSecrets(run.spec.answers),
      keepDays: run.spec.keepDays,
      startedAt: run.spec.now.toISOString(),
      pid: process.pid,
      machineDir: run.spec.machineDir,
    };
    return onTarget(run, {
      kind: 'writeFile',
      describe: `Upgrade state: ${run.spec.from} -> ${run.spec.to} in ${phase}`,
      path: file,
      content: [`${JSON.stringify(state, null, 2)}\n`],
    });
  };
  return {
    reached,
    done,
    started: (id: WinPhaseId) => {
      reached.add(id);
      return write(id);
    },
    finished: async (id: WinPhaseId, persist = false) => {
      done.add(id);
      if (persist) await write(id);
    },
    clear: () =>
      onTarget(run, {
        kind: 'remove',
        describe: 'Upgrade state: the run ended',
        path: file,
        recursive: false,
      }),
  };
}

/** Holds the run (fault `upgrade:<phase>:hang`) until the signal aborts; a timer keeps the process alive. */
/**
 * Applies the phases in order. A failure or a cancel before the health check passed rolls back
 * what the run reached (windowsRollbackPhases), not cancellable itself: exit 1 or 130 with the phase
 * and the backup folder named. Past the health check the new release is live and the run finishes.
 */
export async function runWindowsUpgrade(run: WinUpgradeRun): Promise<WinUpgradeOutcome> {
  const d = derive(run.spec);
  const fault = upgradeFault(run.env);
  const state = winStateRecorder(run, d);
  const reached = state.reached;
  const { from, to } = run.spec;
  let current: WinPhaseId = 'preflight';
  let healthy = false;
  try {
    for (const phase of windowsUpgradePhases(run.spec, d)) {
      if (healthy) break;
      if (run.signal.aborted) throw new CancelledError('The upgrade was cancelled.');
      current = phase.id;
      await state.started(phase.id);
      run.onEvent({ type: 'upgrade-phase', id: phase.id, state: 'start', describe: phase.describe });
      await applyPhase(run, d, phase, run.signal);
      if (fault?.phase === phase.id) {
        // hang: stays there until cancelled (Ctrl+C / SIGTERM), which then rolls back.
        if (fault.mode === 'hang')
          await untilCancelled(run.signal).then(() => {
            throw new CancelledError('The upgrade was cancelled.');
          });
        throw new Error(`injected fault in ${phase.id} (QATRACK_INSTALLER_FAULT)`);
      }
      // Past the health check a resumed run finishes instead of rolling back: recorded at once.
      await state.finished(phase.id, phase.id === 'health');
      run.onEvent({ type: 'upgrade-phase', id: phase.id, state: 'done', describe: phase.describe });
      if (phase.id === 'health') healthy = true;
    }
  } catch (e) {
    const cancelled = e instanceof CancelledError || run.signal.aborted;
    const failed = current;
    let rollbackError: string | undefined;
    for (const phase of windowsRollbackPhases(run.spec, reached, d)) {
      run.onEvent({ type: 'rollback', describe: phase.describe });
      try {
        await applyPhase(run, d, phase, new AbortController().signal);
      } catch (re) {
        rollbackError = `${phase.describe}: ${(re as Error).message}`;
        break;
      }
    }
    // Rolled back: the run is over. A failed rollback keeps the state, for repair to resume it.
    if (!rollbackError)
      await state.clear().catch((ce: Error) => {
        rollbackError = `removing the upgrade state ${winUpgradeStateFile(d)}: ${ce.message}`;
      });
    const what = cancelled ? `was cancelled in ${failed}` : `failed in ${failed}: ${(e as Error).message}`;
    const where = reached.has('backup') ? ` The backup is in ${d.backupFolder}.` : '';
    return {
      ok: false,
      exitCode: cancelled ? EXIT.cancelled : EXIT.failure,
      message: rollbackError
        ? `The upgrade ${from} -> ${to} ${what}, and the rollback failed too (${rollbackError}). Run "repair" with the ${from} answers.${where}`
        : `The upgrade ${from} -> ${to} ${what}. Rolled back: ${from} is running again${d.path === 'new-database' ? ` on ${d.sql.oldDb} (untouched; ${d.newDb} dropped)` : `, ${d.sql.oldDb} restored from the backup`}.${where}`,
      failedPhase: failed,
      rolledBack: !rollbackError,
      backupFolder: d.backupFolder,
    };
  }
  // Past the health check: maintenance off, record, keep old (a failure here is not rolled back).
  await finishWindowsUpgrade(run, d, state, fault);
  return {
    ok: true,
    exitCode: EXIT.ok,
    message: `QATrack+ ${from} -> ${to}: upgraded${d.newDb ? ` (database ${d.newDb})` : ''}. ${from} is kept in ${run.spec.fromDir} for ${run.spec.keepDays} days; the backup is in ${d.backupFolder}.`,
    rolledBack: false,
    backupFolder: d.backupFolder,
  };
}

/** The phases after the health check passed; a hang fault here waits for the kill (repair finishes). */
export async function finishWindowsUpgrade(
  run: Pick<WinUpgradeRun, 'spec' | 'secrets' | 'hostSpec' | 'logFile' | 'onEvent' | 'signal'>,
  d: Derived,
  state: ReturnType<typeof winStateRecorder>,
  fault?: ReturnType<typeof upgradeFault>,
): Promise<void> {
  const full = { ...run, signal: new AbortController().signal };
  for (const phase of windowsUpgradePhases(run.spec, d).filter(
    (p) => POST_HEALTH.includes(p.id) && !state.done.has(p.id),
  )) {
    await state.started(phase.id);
    run.onEvent({ type: 'upgrade-phase', id: phase.id, state: 'start', describe: phase.describe });
    await applyPhase(full, d, phase, new AbortController().signal);
    if (fault?.phase === phase.id && fault.mode === 'hang') await untilCancelled(run.signal);
    await state.finished(phase.id);
    run.onEvent({ type: 'upgrade-phase', id: phase.id, state: 'done', describe: phase.describe });
  }
  await state.clear();
}

const POST_HEALTH: readonly WinPhaseId[] = ['maintenance-off', 'record', 'keep-old'];
