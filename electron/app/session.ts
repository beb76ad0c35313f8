import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ReleaseCatalog } from '../engine/catalog-schema.js';
import { bundleHashes, verifyBundleBeforeChange } from '../bundle/precheck.js';
import { assertPythonLdapWheel } from '../bundle/python-ldap.js';
import { createHost, formatHostSpec, type HostSpec } from '../hosts/index.js';
import type { Host, TargetPlatform } from '../engine/host.js';
import { profileForHost, stepsFor } from '../steps/index.js';
import type { Answers } from '../engine/answers/index.js';
import { EventBus } from '../engine/emitter.js';
import type { ProgressListener } from '../engine/events.js';
import { describeInterrupted, findInterrupted, Journal, readJournal } from '../engine/journal.js';
import { computeLayout, type Layout } from '../engine/layout.js';
import { createFileLogger, type RunLogger } from '../engine/logger.js';
import { Redactor } from '../engine/redactor.js';
import { ensureWritableDir } from '../engine/writable.js';
import { loadCatalog, resolveRelease } from '../engine/release.js';
import type { PlanResult, RunReport } from '../engine/report.js';
import { Runner, toReportedError } from '../engine/runner.js';
import type { SecretStore } from '../engine/secrets.js';
import type { Step, StepContext } from '../engine/step.js';
import { SessionError } from '../engine/session-error.js';
import { InstallerError } from '../engine/errors.js';
import { assertSamePlan, buildSavedPlan, type PlanBinding, type SavedPlan } from '../engine/saved-plan.js';

export { SessionError };

export type Command = 'plan' | 'install' | 'repair' | 'verify' | 'uninstall';
const MUTATING: readonly Command[] = ['install', 'repair', 'uninstall'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStep = Step<any>;

/** Everything a run needs; the CLI and the wizard fill it the same way. */
export interface SessionOptions {
  command: Command;
  answers: Answers;
  secrets: SecretStore;
  hostSpec: HostSpec;
  /** Use this host instead of creating one from hostSpec (tests). */
  host?: Host;
  /** Defaults to the profile for the host. */
  steps?: readonly AnyStep[];
  /** Defaults to <resources>/catalog/releases/<answers.release>.json (see ./resources.ts). */
  catalog?: ReleaseCatalog;
  /** Readable log file (JSON-lines beside it); default from `defaultLogFile`. */
  logFile?: string;
  onEvent?: ProgressListener;
  signal?: AbortSignal;
  defaultActionTimeoutMs?: number;
  /** install/repair/uninstall: steps applied at once (the runner's default when unset). */
  jobs?: number;
  uninstall?: { keepData: boolean };
  /** plan: which command the plan is for (default install; uninstall plans the removal). */
  planFor?: 'install' | 'uninstall';
  /** install/repair/uninstall: run only if the plan computed now has this approved plan's hash. */
  approvedPlan?: SavedPlan;
  /** Recorded in saved plans. */
  installerVersion?: string;
  /** The running release's code folder (installed-release.json), when not the install folder. */
  releaseRoot?: string;
}

export const platformFor = (spec: HostSpec): TargetPlatform => (spec.kind === 'posix' ? 'posix' : 'win32');

export const newRunId = () =>
  new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '') + '-' + randomBytes(3).toString('hex');

/** Where the installer keeps its journal: beside a sim state file, else the layout's state dir. */
export const stateDirFor = (spec: HostSpec, layout: Layout) =>
  spec.kind === 'sim' ? path.dirname(spec.file) : layout.stateDir;

export const journalFileFor = (spec: HostSpec, layout: Layout) =>
  spec.kind === 'sim'
    ? path.join(path.dirname(spec.file), `${path.basename(spec.file, path.extname(spec.file))}.journal.jsonl`)
    : layout.journalFile;

/**
 * Default log: `logs/` under the state dir (beside a sim state file). plan/verify on a real machine
 * change nothing, so before the first install (no state dir yet) they log to the temp folder.
 */
export function defaultLogFile(spec: HostSpec, layout: Layout, command: Command, runId: string): string {
  let dir = stateDirFor(spec, layout);
  if (spec.kind !== 'sim' && !MUTATING.includes(command) && !existsSync(dir))
    dir = path.join(os.tmpdir(), 'qatrack-installer');
  return path.join(dir, 'logs', `${command}-${runId}.log`);
}

export interface SessionResult<T> {
  result: T;
  logFile: string;
  runId: string;
  /** plan: the plan in its saved form (hash bound to answers, release and host). */
  savedPlan?: SavedPlan;
}

/**
 * One installer run: redactor, logs, host, journal and runner wired together and closed in order.
 * Every event and log line goes through the redactor built from all known secrets.
 */
export async function runSession(
  options: SessionOptions & { command: 'plan' },
): Promise<SessionResult<PlanResult>>;
export async function runSession(options: SessionOptions): Promise<SessionResult<RunReport | PlanResult>>;
export async function runSession(o: SessionOptions): Promise<SessionResult<RunReport | PlanResult>> {
  const runId = newRunId();
  const catalog = o.catalog ?? loadCatalog(o.answers.release);
  const layout = computeLayout(o.answers, platformFor(o.hostSpec), {
    pythonVersion: catalog.python.version,
    releaseRoot: o.releaseRoot,
  });
  // Artifacts resolve again once the bundle's verified hashes are known (see below).
  let release = resolveRelease(o.answers, layout, catalog);
  const mutating = MUTATING.includes(o.command);
  // The journal and logs need their folder before anything changes; a read-only target is bad input.
  if (mutating)
    ensureWritableDir(stateDirFor(o.hostSpec, layout), {
      path: o.hostSpec.kind === 'sim' ? '--host' : 'paths.dataDir',
      what: "the installer's state folder",
    });
  if (o.logFile)
    ensureWritableDir(path.dirname(path.resolve(o.logFile)), { path: '--log-file', what: 'the log folder' });
  // uninstall --remove-data deletes the state folder: its log goes to the temp folder, to outlive it.
  const removesData =
    o.command === 'uninstall' && o.uninstall?.keepData === false && o.hostSpec.kind !== 'sim';
  let logFile =
    o.logFile ??
    (removesData
      ? path.join(os.tmpdir(), 'qatrack-installer', 'logs', `uninstall-${runId}.log`)
      : defaultLogFile(o.hostSpec, layout, o.command, runId));
  const redactor = new Redactor(o.secrets.values());
  let logger: RunLogger;
  try {
    logger = createFileLogger(logFile, redactor);
  } catch {
    // plan/verify beside a state folder that cannot be written: log to the temp folder instead.
    logFile = path.join(os.tmpdir(), 'qatrack-installer', 'logs', path.basename(logFile));
    logger = createFileLogger(logFile, redactor);
  }
  const events = new EventBus(redactor, logger);
  if (o.onEvent) events.on(o.onEvent);
  let host: Host | undefined;
  let journal: Journal | undefined;
  let end: { ok: boolean; exitCode: number; message: string } | undefined;
  try {
    logger.log(
      'info',
      `qatrack-installer ${o.command} on ${formatHostSpec(o.hostSpec)} (run ${runId}, release ${release.id})`,
    );
    // An offline bundle is verified in full before anything changes (no host yet, no journal).
    const bundle = await verifyBundleBeforeChange(o.command, o.answers, o.hostSpec);
    if (bundle) logger.log('info', `offline bundle verified: ${bundle.files} files, ${bundle.bytes} bytes`);
    assertPythonLdapWheel(o.command, o.answers, o.hostSpec, catalog);
    // Kept in memory from here on: the staged copies are checked against these, not the bundle's
    // manifest as it may be later.
    release = resolveRelease(o.answers, layout, catalog, await bundleHashes(o.answers, bundle));
    host =
      o.host ??
      (await createHost(o.hostSpec, {
        readOnly: !mutating,
        posixRunDir: layout.servicesDir,
        owner: `run ${runId} (${o.command})`,
        secrets: o.secrets,
      }));
    const steps = o.steps ?? stepsFor(profileForHost(host.kind));
    const ctx: StepContext = { answers: o.answers, host, layout, release, secrets: o.secrets };
    if (mutating)
      journal = await Journal.open(journalFileFor(o.hostSpec, layout), {
        runId,
        command: o.command,
        host: formatHostSpec(o.hostSpec),
        redactor,
      });
    else {
      // plan/verify take no lock, but still say when the last run was killed (the plan shows what is left).
      const interrupted = findInterrupted(readJournal(journalFileFor(o.hostSpec, layout)));
      if (interrupted) events.emit({ type: 'log', level: 'warn', message: describeInterrupted(interrupted) });
    }
    const runner = new Runner({
      runId,
      steps,
      ctx,
      redactor,
      events,
      journal,
      signal: o.signal,
      defaultActionTimeoutMs: o.defaultActionTimeoutMs,
      jobs: o.jobs,
    });
    const binding = (command: 'install' | 'uninstall'): PlanBinding => ({
      command,
      keepData: command === 'uninstall' ? (o.uninstall?.keepData ?? true) : undefined,
      release: release.id,
      host: formatHostSpec(o.hostSpec),
      installer: o.installerVersion ?? 'dev',
      answers: o.answers,
      catalog,
    });
    const uninstallOptions = o.uninstall ?? { keepData: true };
    if (o.approvedPlan && mutating) {
      // Terraform's saved plans: re-probe, re-plan, and refuse anything but what was approved.
      const forCommand = o.command === 'uninstall' ? 'uninstall' : 'install';
      const now = await runner.plan(forCommand === 'uninstall' ? uninstallOptions : undefined);
      assertSamePlan(o.approvedPlan, buildSavedPlan(now, binding(forCommand)));
      logger.log('info', `approved plan ${o.approvedPlan.planSha256} matches the machine`);
    }
    let result: RunReport | PlanResult;
    let savedPlan: SavedPlan | undefined;
    switch (o.command) {
      case 'plan':
        result = await runner.plan(o.planFor === 'uninstall' ? uninstallOptions : undefined);
        savedPlan = buildSavedPlan(result, binding(o.planFor ?? 'install'));
        logger.log(
          'info',
          `plan: ${result.changes} changes in ${result.steps.filter((s) => s.actions.length).length} steps`,
        );
        break;
      case 'verify':
        result = await runner.verify();
        break;
      case 'uninstall':
        result = await runner.uninstall(uninstallOptions);
        break;
      default:
        result = await runner.install(o.command);
    }
    if ('exitCode' in result) {
      result.logFile = logFile;
      end = { ok: result.ok, exitCode: result.exitCode, message: result.message };
    }
    return { result, logFile, runId, savedPlan };
  } catch (e) {
    const err = toReportedError(e, redactor);
    logger.log('error', `${err.code}: ${err.message}`, { err: e });
    end = { ok: false, exitCode: 1, message: `${err.code}: ${err.message}` };
    // Whoever catches this (CLI, wizard, unattended) prints it: no secret leaves the session.
    // Installer errors keep their class (callers map InputError/CancelledError to exit codes).
    redactor.redactErrorInPlace(e);
    if (e instanceof InstallerError) {
      e.logFile = logFile;
      throw e;
    }
    throw new SessionError(e, logFile);
  } finally {
    await journal?.close(end).catch(() => undefined);
    if (!o.host)
      await host?.close().catch((e: unknown) => logger.log('error', 'closing the host failed', { err: e }));
    await logger.close();
  }
}
