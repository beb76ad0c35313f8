import type { Answers } from '../../engine/answers/index.js';
import { InstallerError } from '../../engine/errors.js';
import { computeLayout } from '../../engine/layout.js';
import type { SecretStore } from '../../engine/secrets.js';
import { passedHealth, readUpgradeState, writeUpgradeState } from '../../engine/upgrade/upgrade-state.js';
import type { UpgradeEvent } from './context.js';
import { finishUpgrade, newUpgradeContext } from './posix-upgrade.js';
import { recordUpgradeInJournal } from './journal.js';
import { rollBack } from './rollback.js';

/** Whether the process that wrote an upgrade state still runs (signal 0 only checks). */
export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export type Resolution =
  { kind: 'none' } | { kind: 'finished' | 'rolled-back'; from: string; to: string; message: string };

/**
 * `repair` after an upgrade was killed: converge on one release. Once the new release passed its
 * health check the upgrade is finished (maintenance off, record, keep the old one); before that it
 * is rolled back exactly as a failure would be. An upgrade still running is left alone.
 */
export async function resolvePendingUpgrade(o: {
  answers: Answers;
  secrets: SecretStore;
  onEvent: (e: UpgradeEvent) => void;
}): Promise<Resolution> {
  const stateDir = computeLayout(o.answers, 'posix').stateDir;
  const state = await readUpgradeState(stateDir);
  if (!state) return { kind: 'none' };
  if (state.pid !== process.pid && alive(state.pid))
    throw new InstallerError(
      'UPGRADE_RUNNING',
      `An upgrade ${state.from} -> ${state.to} is still running (pid ${state.pid}); repair changed nothing.`,
      'Wait for it to end, or stop it, then run repair again.',
    );
  const u = newUpgradeContext({
    answers: o.answers,
    secrets: o.secrets,
    state,
    emit: o.onEvent,
    signal: new AbortController().signal,
  });
  const where = state.backupDir ? ` The backup is in ${state.backupDir}.` : '';
  if (passedHealth(state)) {
    await finishUpgrade(u, state.keepDays, async (id, work) => {
      state.phase = id;
      await writeUpgradeState(stateDir, state);
      const r = await work();
      state.done.push(id);
      await writeUpgradeState(stateDir, state);
      return r;
    });
    await recordUpgradeInJournal(u, 'finished-by-repair', { kind: 'posix' });
    return {
      kind: 'finished',
      from: state.from,
      to: state.to,
      message: `The interrupted upgrade ${state.from} -> ${state.to} had passed its health check: finished, ${state.to} is installed.${where}`,
    };
  }
  const rb = await rollBack(u);
  await recordUpgradeInJournal(u, rb.ok ? 'rolled-back-by-repair' : 'rollback-failed', { kind: 'posix' });
  if (!rb.ok)
    throw new InstallerError(
      'UPGRADE_ROLLBACK_FAILED',
      `The interrupted upgrade ${state.from} -> ${state.to} (stopped in ${state.phase}) could not be rolled back: ${rb.error}.${where}`,
      'Fix the cause named above and run repair again; it resumes the rollback.',
    );
  return {
    kind: 'rolled-back',
    from: state.from,
    to: state.to,
    message: `The interrupted upgrade ${state.from} -> ${state.to} (stopped in ${state.phase}) was rolled back: ${state.from} is running with its database as it was.${where}`,
  };
}
