import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Answers } from '../../engine/answers/index.js';
import { CancelledError, EXIT } from '../../engine/errors.js';
import type { PlanResult, RunReport } from '../../engine/report.js';
import type { SecretStore } from '../../engine/secrets.js';
import { upgradeFault } from '../../engine/upgrade/fault.js';
import type { HostSpec } from '../../hosts/index.js';
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

async function applyPhase(
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

/**
 * Applies the phases in order. A failure or a cancel before the health check passed rolls back
 * what the run reached (windowsRollbackPhases), not cancellable itself: exit 1 or 130 with the phase
 * and the backup folder named. Past the health check the new release is live and the run finishes.
 */
export async function runWindowsUpgrade(run: WinUpgradeRun): Promise<WinUpgradeOutcome> {
  const d = derive(run.spec);
  const fault = upgradeFault(run.env);
  const reached = new Set<WinPhaseId>();
  const { from, to } = run.spec;
  let current: WinPhaseId = 'preflight';
  let healthy = false;
  try {
    for (const phase of windowsUpgradePhases(run.spec, d)) {
      if (healthy) break;
      if (run.signal.aborted) throw new CancelledError('The upgrade was cancelled.');
      current = phase.id;
      reached.add(phase.id);
      run.onEvent({ type: 'upgrade-phase', id: phase.id, state: 'start', describe: phase.describe });
      await applyPhase(run, d, phase, run.signal);
      if (fault?.phase === phase.id) {
        // hang: stays there until cancelled (Ctrl+C / SIGTERM), which then rolls back.
        if (fault.mode === 'hang')
          await new Promise((_, reject) => {
            // A timer keeps the process alive meanwhile (a pending promise alone does not).
            const alive = setInterval(() => undefined, 1000);
            run.signal.addEventListener('abort', () => {
              clearInterval(alive);
              reject(new CancelledError('The upgrade was cancelled.'));
            });
          });
        throw new Error(`injected fault in ${phase.id} (QATRACK_INSTALLER_FAULT)`);
      }
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
  for (const phase of windowsUpgradePhases(run.spec, d).filter((p) =>
    ['maintenance-off', 'record', 'keep-old'].includes(p.id),
  )) {
    run.onEvent({ type: 'upgrade-phase', id: phase.id, state: 'start', describe: phase.describe });
    await applyPhase(run, d, phase, new AbortController().signal);
    run.onEvent({ type: 'upgrade-phase', id: phase.id, state: 'done', describe: phase.describe });
  }
  return {
    ok: true,
    exitCode: EXIT.ok,
    message: `QATrack+ ${from} -> ${to}: upgraded${d.newDb ? ` (database ${d.newDb})` : ''}. ${from} is kept in ${run.spec.fromDir} for ${run.spec.keepDays} days; the backup is in ${d.backupFolder}.`,
    rolledBack: false,
    backupFolder: d.backupFolder,
  };
}
