import { loadAnswers, SECRET_PATHS } from '../../engine/answers/index.js';
import { InputError, InstallerError } from '../../engine/errors.js';
import { computeLayout } from '../../engine/layout.js';
import type { SecretStore } from '../../engine/secrets.js';
import { createHost, type HostSpec } from '../../hosts/index.js';
import { loadCatalogFrom } from '../../cli/prepare.js';
import type { UpgradeEvent } from './context.js';
import { alive, type Resolution } from './resume.js';
import { derive, windowsRollbackPhases, type WinUpgradeSpec } from './windows-phases.js';
import { readWindowsUpgradeState } from './windows-preflight.js';
import { applyPhase, finishWindowsUpgrade, winStateRecorder, type WinUpgradeRun } from './windows-upgrade.js';

/**
 * `repair --host sim:STATE|windows` after a Windows upgrade was killed: converge on one release, as
 * the posix resume does. The upgrade state on the target names the phases reached; once the health
 * check passed the run is finished (maintenance off, record, keep old), before that the phases
 * reached are rolled back (windowsRollbackPhases), and the state is removed. The spec is rebuilt
 * from the state (its answers, dates and folders), with the secrets repair was given.
 */
export async function resolvePendingWindowsUpgrade(o: {
  answers: WinUpgradeSpec['answers'];
  secrets: SecretStore;
  hostSpec: Exclude<HostSpec, { kind: 'posix' }>;
  catalogDir?: string;
  logFile?: string;
  onEvent: (e: UpgradeEvent | { type: 'upgrade-phase'; id: string; state: string; describe: string }) => void;
}): Promise<Resolution> {
  const probe = await createHost(o.hostSpec, { readOnly: true, secrets: o.secrets });
  let state: Awaited<ReturnType<typeof readWindowsUpgradeState>>;
  try {
    state = await readWindowsUpgradeState(probe, computeLayout(o.answers, 'win32'));
  } finally {
    await probe.close();
  }
  if (!state) return { kind: 'none' };
  if (state.pid !== process.pid && alive(state.pid))
    throw new InstallerError(
      'UPGRADE_RUNNING',
      `An upgrade ${state.from} -> ${state.to} is still running (pid ${state.pid}); repair changed nothing.`,
      'Wait for it to end, or stop it, then run repair again.',
    );
  // The state's answers hold env references; the values are the ones repair was given.
  const provided = Object.fromEntries(
    SECRET_PATHS.flatMap((p) => {
      const v = o.secrets.get(p);
      return v === undefined ? [] : [[p, v]];
    }),
  );
  const loaded = loadAnswers(state.answers, { provided, env: process.env });
  if (!loaded.ok)
    throw new InputError(
      'UPGRADE_STATE_ANSWERS',
      `The interrupted upgrade's answers need secrets repair was not given; nothing was changed.`,
      loaded.issues,
      'Run repair with the answers the upgrade ran with (their secrets), or set the environment variables named.',
    );
  const spec: WinUpgradeSpec = {
    answers: loaded.answers,
    from: state.from,
    to: state.to,
    fromDir: state.fromDir,
    catalogFrom: loadCatalogFrom(o.catalogDir, state.from),
    catalogTo: loadCatalogFrom(o.catalogDir, state.to),
    keepDays: state.keepDays,
    now: new Date(state.startedAt),
    machineDir: state.machineDir,
  };
  const d = derive(spec);
  const run: WinUpgradeRun = {
    spec,
    secrets: loaded.secrets,
    hostSpec: o.hostSpec,
    ...(o.logFile ? { logFile: o.logFile } : {}),
    onEvent: o.onEvent,
    signal: new AbortController().signal,
  };
  const recorder = winStateRecorder(run, d, state);
  const where = ` The backup is in ${d.backupFolder}.`;
  if (state.done.includes('health')) {
    await finishWindowsUpgrade(run, d, recorder);
    return {
      kind: 'finished',
      from: state.from,
      to: state.to,
      message: `The interrupted upgrade ${state.from} -> ${state.to} had passed its health check: finished, ${state.to} is installed.${where}`,
    };
  }
  for (const phase of windowsRollbackPhases(spec, recorder.reached, d)) {
    o.onEvent({ type: 'rollback', describe: phase.describe });
    try {
      await applyPhase(run, d, phase, new AbortController().signal);
    } catch (e) {
      // The state stays: the next repair resumes the rollback.
      throw new InstallerError(
        'UPGRADE_ROLLBACK_FAILED',
        `The interrupted upgrade ${state.from} -> ${state.to} (stopped in ${state.phase}) could not be rolled back: ${phase.describe}: ${(e as Error).message}.${where}`,
        'Fix the cause named above and run repair again; it resumes the rollback.',
      );
    }
  }
  await recorder.clear();
  return {
    kind: 'rolled-back',
    from: state.from,
    to: state.to,
    message: `The interrupted upgrade ${state.from} -> ${state.to} (stopped in ${state.phase}) was rolled back: ${state.from} is running again${d.newDb ? ` on ${d.sql.oldDb} (untouched; ${d.newDb} dropped)` : `, ${d.sql.oldDb} restored from the backup`}.${where}`,
  };
}
