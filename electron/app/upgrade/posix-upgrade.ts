import { rm } from 'node:fs/promises';
import type { Answers } from '../../engine/answers/index.js';
import { withEnvSecrets } from '../../engine/answers/strip.js';
import type { ReleaseCatalog } from '../../engine/catalog-schema.js';
import { CancelledError, EXIT, InputError } from '../../engine/errors.js';
import type { SecretStore } from '../../engine/secrets.js';
import { untilCancelled, upgradeFault } from '../../engine/upgrade/fault.js';
import { releaseDir, upgradePhases, type UpgradePhase } from '../../engine/upgrade/phases.js';
import {
  clearUpgradeState,
  writeUpgradeState,
  type UpgradeState,
} from '../../engine/upgrade/upgrade-state.js';
import type { HostSpec } from '../../hosts/index.js';
import { createPosixHost } from '../../hosts/posix/host.js';
import { restoreIntoNewDatabase, runPosixBackup } from '../../hosts/posix/upgrade-backup.js';
import { newDatabaseFacts, pythonFacts } from '../../hosts/posix/upgrade-preflight.js';
import {
  newDatabaseIssues,
  pythonIssues,
  pythonLine,
  type NewDatabaseFacts,
  type PythonFacts,
} from '../../engine/upgrade/preflight.js';
import { upgradePath } from '../../engine/upgrade/upgrade-path.js';
import { recordUpgradeInJournal } from './journal.js';
import { answersFor, layoutFor, upgradeWorkDir, type UpgradeContext, type UpgradeEvent } from './context.js';
import { maintenanceOff, maintenanceOn } from './maintenance.js';
import {
  collectstatic,
  healthCheck,
  migrate,
  pruneReleases,
  recordRelease,
  stageRelease,
  switchServices,
  type SessionBits,
} from './phases-posix.js';
import { rollBack } from './rollback.js';

export interface PosixUpgradeOptions {
  /** The running deployment's answers; `paths.bundleDir` holds the new release's bundle. */
  answers: Answers;
  secrets: SecretStore;
  hostSpec: HostSpec;
  from: string;
  /** The running release's code folder (installed-release.json), default the install folder. */
  fromDir: string;
  to: string;
  catalogTo: ReleaseCatalog;
  keepDays: number;
  logFile?: string;
  onEvent: (e: UpgradeEvent) => void;
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
}

export interface UpgradeOutcome {
  ok: boolean;
  exitCode: number;
  message: string;
  /** Phase that failed (rolled back), or undefined on success. */
  failedPhase?: UpgradePhase['id'];
  rolledBack: boolean;
  backupDir?: string;
  /** Milliseconds: whole run, and from maintenance on until it was off again. */
  wallMs: number;
  maintenanceMs?: number;
  phaseMs: Partial<Record<UpgradePhase['id'], number>>;
}

/**
 * The major path's own refusals, checked here too (exit 64, before anything changed) so every
 * caller gets them, the wizard included: a new database the login can make or use, and the new
 * release's Python line (4.0: 3.12) for its venv.
 */
function refuseMajorPath(o: PosixUpgradeOptions, n: NewDatabaseFacts, python: PythonFacts): void {
  const issues = [...newDatabaseIssues(n), ...pythonIssues(python)];
  if (issues.length)
    throw new InputError(
      'UPGRADE_REFUSED',
      `The upgrade ${o.from} -> ${o.to} restores the database into a new one, ${n.database}, on Python ${python.needed}, and cannot start; nothing was changed.`,
      issues,
      'Fix each item listed above and run upgrade again.',
    );
}

export function newUpgradeContext(o: {
  answers: Answers;
  secrets: SecretStore;
  state: UpgradeState;
  emit: (e: UpgradeEvent) => void;
  signal: AbortSignal;
}): UpgradeContext {
  const from = layoutFor(o.answers, o.state.fromDir);
  const toAnswers = answersFor(o.answers, o.state);
  const to = layoutFor(toAnswers, o.state.toDir);
  return {
    ...o,
    toAnswers,
    from,
    to,
    host: createPosixHost({ runDir: from.servicesDir, secrets: o.secrets }),
  };
}

/**
 * preflight (done by the caller) -> stage (the old release still serves) -> maintenance on -> backup
 * -> [major path: restore the backup into a new database] -> migrate -> collectstatic -> switch ->
 * health -> maintenance off -> record -> keep the old release. Any failure or a cancel before the
 * health check passes rolls back (./rollback.ts); the state file says how far it got.
 */
export async function runPosixUpgrade(o: PosixUpgradeOptions): Promise<UpgradeOutcome> {
  const started = Date.now();
  const fault = upgradeFault(o.env);
  const fromLayout = layoutFor(o.answers, o.fromDir);
  const via = upgradePath(o.from, o.to, o.answers.database.name);
  // The major path needs a database of its own: the login creates it, or a DBA made it empty for it.
  const newDb =
    via.kind === 'new-database' ? await newDatabaseFacts(o.answers, o.secrets, via.database) : undefined;
  if (newDb)
    refuseMajorPath(
      o,
      newDb,
      await pythonFacts(fromLayout.pythonExe, pythonLine(o.catalogTo.python.version)),
    );
  const state: UpgradeState = {
    from: o.from,
    to: o.to,
    fromDir: o.fromDir,
    toDir: releaseDir(fromLayout, o.to),
    phase: 'preflight',
    done: ['preflight'],
    answers: withEnvSecrets(o.answers),
    keepDays: o.keepDays,
    startedAt: new Date(started).toISOString(),
    pid: process.pid,
    ...(via.kind === 'new-database' ? { newDatabase: via.database } : {}),
    ...(newDb?.existing ? { newDatabasePrepared: true } : {}),
  };
  const u = newUpgradeContext({
    answers: o.answers,
    secrets: o.secrets,
    state,
    emit: o.onEvent,
    signal: o.signal,
  });
  const described = new Map(
    upgradePhases(fromLayout, o.from, o.to, fromLayout.backupDir, o.keepDays, via).map((p) => [p.id, p]),
  );
  const session: SessionBits = { hostSpec: o.hostSpec, catalog: o.catalogTo, logFile: o.logFile };
  const phaseMs: UpgradeOutcome['phaseMs'] = {};
  const endedAt: Partial<Record<UpgradePhase['id'], number>> = {};
  await rm(upgradeWorkDir(fromLayout), { recursive: true, force: true });
  await writeUpgradeState(fromLayout.stateDir, state);

  const phase = async <T>(id: UpgradePhase['id'], work: () => Promise<T>): Promise<T> => {
    if (o.signal.aborted) throw new CancelledError('The upgrade was cancelled.');
    const t0 = Date.now();
    state.phase = id;
    await writeUpgradeState(fromLayout.stateDir, state);
    o.onEvent({ type: 'upgrade-phase', id, state: 'start', describe: described.get(id)?.describe ?? id });
    const result = await work();
    if (fault?.phase === id) {
      // Stays there until killed, or cancelled (Ctrl+C / SIGTERM), which then rolls back.
      // A pending promise alone does not keep Node alive: with no other handle (the hang in
      // stage-release) the process would end with exit 13 instead of waiting, so a timer holds it.
      if (fault.mode === 'hang')
        await untilCancelled(o.signal).then(() => {
          throw new CancelledError('The upgrade was cancelled.');
        });
      throw new Error(`injected fault in ${id} (QATRACK_INSTALLER_FAULT)`);
    }
    state.done.push(id);
    await writeUpgradeState(fromLayout.stateDir, state);
    endedAt[id] = Date.now();
    phaseMs[id] = endedAt[id] - t0;
    o.onEvent({
      type: 'upgrade-phase',
      id,
      state: 'done',
      describe: described.get(id)?.describe ?? id,
      ms: phaseMs[id],
    });
    return result;
  };

  let maintenanceAt: number | undefined;
  try {
    await phase('stage-release', () => stageRelease(u, session));
    await phase('maintenance-on', async () => {
      await maintenanceOn(u);
      maintenanceAt = Date.now();
    });
    await phase('backup', async () => {
      const b = await runPosixBackup(o.answers, fromLayout, o.secrets, `before-${o.to}`);
      state.backupDir = b.dir;
      state.dumpFile = b.dumpFile;
      o.onEvent({ type: 'backup', ...b });
    });
    if (state.newDatabase) {
      const database = state.newDatabase;
      await phase('restore-copy', async () => {
        const r = await restoreIntoNewDatabase(o.answers, o.secrets, state.dumpFile!, database, {
          create: !state.newDatabasePrepared,
        });
        o.onEvent({ type: 'restore-copy', database, ms: r.ms });
      });
    }
    await phase('migrate', () => migrate(u));
    await phase('collectstatic', () => collectstatic(u));
    await phase('switch', () => switchServices(u, session));
    await phase('health', () => healthCheck(u));
  } catch (e) {
    const cancelled = e instanceof CancelledError || o.signal.aborted;
    const failedPhase = state.phase;
    const rb = await rollBack(u);
    const where = state.backupDir ? ` The backup is in ${state.backupDir}.` : '';
    const what = cancelled ? 'was cancelled' : `failed in ${failedPhase}: ${(e as Error).message}`;
    await recordUpgradeInJournal(u, rb.ok ? 'rolled-back' : 'rollback-failed', o.hostSpec);
    return {
      ok: false,
      exitCode: cancelled ? EXIT.cancelled : EXIT.failure,
      message: rb.ok
        ? `The upgrade ${o.from} -> ${o.to} ${what}. Rolled back: ${o.from} is running again with its database as it was${state.newDatabase ? ` (the new database ${state.newDatabase} was ${state.newDatabasePrepared ? 'emptied' : 'dropped'})` : ''}.${where}`
        : `The upgrade ${o.from} -> ${o.to} ${what}, and the rollback failed too: ${rb.error}. Run "repair" to finish the rollback.${where}`,
      failedPhase,
      rolledBack: rb.ok,
      ...(state.backupDir ? { backupDir: state.backupDir } : {}),
      wallMs: Date.now() - started,
      phaseMs,
    };
  }
  // Past the health check the new release is live: from here a kill is resumed forward by repair.
  await finishUpgrade(u, o.keepDays, phase);
  await recordUpgradeInJournal(u, 'upgraded', o.hostSpec);
  return {
    ok: true,
    exitCode: EXIT.ok,
    message: `QATrack+ ${o.from} -> ${o.to}: upgraded${state.newDatabase ? `, now on the new database ${state.newDatabase} (${o.answers.database.name} is kept as it was before the upgrade)` : ''}. ${o.from} is kept in ${o.fromDir} for ${o.keepDays} days; the backup is in ${state.backupDir}.`,
    rolledBack: false,
    ...(state.backupDir ? { backupDir: state.backupDir } : {}),
    wallMs: Date.now() - started,
    ...(maintenanceAt && endedAt['maintenance-off']
      ? { maintenanceMs: endedAt['maintenance-off'] - maintenanceAt }
      : {}),
    phaseMs,
  };
}

type PhaseRunner = <T>(id: UpgradePhase['id'], work: () => Promise<T>) => Promise<T>;

/** maintenance off -> record -> keep the old release; also how repair finishes a killed upgrade. */
export async function finishUpgrade(u: UpgradeContext, keepDays: number, phase: PhaseRunner): Promise<void> {
  if (!u.state.done.includes('maintenance-off')) await phase('maintenance-off', () => maintenanceOff(u));
  await recordRelease(u, keepDays);
  await phase('keep-old', async () => {
    for (const dir of await pruneReleases(u)) u.emit({ type: 'upgrade-log', message: `Removed ${dir}` });
  });
  await clearUpgradeState(u.from.stateDir);
  await rm(upgradeWorkDir(u.from), { recursive: true, force: true });
}
