import { InputError } from '../engine/errors.js';
import type { PlanResult, RunReport } from '../engine/report.js';
import { runSession, type Command } from '../app/session.js';
import { confirm, isInteractive } from './confirm.js';
import { err, jsonLine, out, renderReport } from './output.js';
import { prepareRun, type PreparedRun, type RunOptions } from './prepare.js';
import { createProgress } from './progress.js';
import { renderPlan, siteUrl } from './render-plan.js';
import { formatHostSpec } from '../hosts/index.js';
import { EXIT } from '../engine/errors.js';
import { readSavedPlan, writeSavedPlan } from '../engine/saved-plan.js';
import type { PlanOptions } from './commands/plan.js';

/** Ctrl+C cancels the run (steps not done are reported); a second Ctrl+C exits at once. */
export function cancelOnSigint(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(EXIT.cancelled);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
    },
  };
}

/** The installed-release record changed (an upgrade was finished): plan for the release it names. */
async function reprepare(o: RunOptions, p: PreparedRun): Promise<PreparedRun> {
  const { computeLayout } = await import('../engine/layout.js');
  const { readInstalledRelease } = await import('../engine/upgrade/installed-release.js');
  const { loadCatalogFrom } = await import('./prepare.js');
  const installed = await readInstalledRelease(computeLayout(p.answers, 'posix').stateDir, p.answers.release);
  const answers = {
    ...p.answers,
    release: installed.release,
    ...(installed.databaseName ? { database: { ...p.answers.database, name: installed.databaseName } } : {}),
  };
  return {
    ...p,
    answers,
    releaseRoot: installed.releaseDir,
    catalog: loadCatalogFrom(o.catalogDir, answers.release),
  };
}

export async function runPlan(
  o: PlanOptions,
  prepared?: PreparedRun,
): Promise<{ plan: PlanResult; exitCode: number }> {
  const p = prepared ?? (await prepareRun(o));
  const planFor = o.for ?? 'install';
  if (o.removeData && planFor !== 'uninstall')
    throw new InputError('OPTION_INVALID', '--remove-data only applies to a plan for uninstall.', [
      { path: '--remove-data', message: 'needs --for uninstall' },
    ]);
  const {
    result: plan,
    logFile,
    savedPlan,
  } = await runSession({
    command: 'plan',
    planFor,
    uninstall: planFor === 'uninstall' ? { keepData: o.removeData !== true } : undefined,
    answers: p.answers,
    secrets: p.secrets,
    hostSpec: p.hostSpec,
    steps: p.steps,
    catalog: p.catalog,
    releaseRoot: p.releaseRoot,
    logFile: o.logFile,
    // Warnings (e.g. the last run was killed) go to stderr; the plan itself to stdout.
    onEvent: (e) => {
      if (!o.json && e.type === 'log' && (e.level === 'warn' || e.level === 'error'))
        err(`${e.level}: ${e.message}\n`);
    },
  });
  if (o.json)
    jsonLine({
      release: p.answers.release,
      host: formatHostSpec(p.hostSpec),
      target: {
        installDir: p.answers.paths.installDir,
        dataDir: p.answers.paths.dataDir,
        site: siteUrl(p.answers),
      },
      ...plan,
      logFile,
    });
  else out(renderPlan(plan, p.answers, p.hostSpec, planFor));
  if (o.out && savedPlan) {
    await writeSavedPlan(o.out, savedPlan);
    err(`Plan saved to ${o.out} (sha256 ${savedPlan.planSha256}). Apply exactly it with --plan ${o.out}.\n`);
  }
  return { plan, exitCode: plan.changes ? EXIT.changesPending : EXIT.ok };
}

/**
 * install/repair/verify/uninstall. Confirmation: asked only on a terminal without --yes. Without a
 * terminal nothing is ever asked: install and repair proceed (unattended), uninstall needs --yes.
 */
export async function runChange(
  command: Exclude<Command, 'plan'>,
  o: RunOptions,
  uninstall?: { keepData: boolean },
): Promise<number> {
  let p = await prepareRun(o);
  // repair after a killed upgrade: first converge on one release (finish it or roll it back).
  if (command === 'repair' && p.hostSpec.kind === 'posix') {
    const { resolvePendingUpgrade } = await import('../app/upgrade/resume.js');
    const r = await resolvePendingUpgrade({
      answers: p.answers,
      secrets: p.secrets,
      onEvent: (e) => (o.json ? jsonLine(e) : e.type === 'rollback' ? err(`  - ${e.describe}\n`) : undefined),
    });
    if (r.kind !== 'none') {
      if (o.json) jsonLine({ type: 'upgrade-resolved', ...r });
      else out(`${r.message}\n`);
      if (r.kind === 'finished') p = await reprepare(o, p);
    }
    const { removeExpiredPrevious } = await import('../app/upgrade/prune.js');
    const { computeLayout } = await import('../engine/layout.js');
    const pruned = await removeExpiredPrevious(computeLayout(p.answers, 'posix'), new Date(), p);
    for (const dir of pruned.removed)
      err(`Removed ${dir}: the release it holds was replaced and its keep period ended.\n`);
    if (pruned.droppedDatabase)
      err(`Dropped the old database ${pruned.droppedDatabase} (its dump reads back).\n`);
    if (pruned.warning) err(`Warning: ${pruned.warning}\n`);
  }
  // repair on Windows (and sim): the release an upgrade replaced, after its keep period.
  if (command === 'repair' && p.hostSpec.kind !== 'posix') {
    const { pruneWindowsPrevious } = await import('../app/upgrade/windows-prune.js');
    const r = await pruneWindowsPrevious({ ...p, ...(o.logFile ? { logFile: o.logFile } : {}) });
    for (const dir of r.removed)
      err(`Removed ${dir}: the release it holds was replaced and its keep period ended.\n`);
    if (r.droppedDatabase) err(`Dropped the old database ${r.droppedDatabase} (its backup verified).\n`);
    if (r.warning) err(`Warning: ${r.warning}\n`);
  }
  // The same on the Windows/sim target, from the upgrade state the Windows upgrade left there.
  if (command === 'repair' && p.hostSpec.kind !== 'posix') {
    const { resolvePendingWindowsUpgrade } = await import('../app/upgrade/windows-resume.js');
    const r = await resolvePendingWindowsUpgrade({
      answers: p.answers,
      secrets: p.secrets,
      hostSpec: p.hostSpec,
      ...(o.catalogDir ? { catalogDir: o.catalogDir } : {}),
      ...(o.logFile ? { logFile: o.logFile } : {}),
      onEvent: (e) =>
        o.json
          ? jsonLine(e)
          : e.type === 'rollback'
            ? err(`  - ${e.describe}\n`)
            : e.type === 'upgrade-phase' && e.state === 'start'
              ? err(`[upgrade] ${e.describe}\n`)
              : undefined,
    });
    if (r.kind !== 'none') {
      if (o.json) jsonLine({ type: 'upgrade-resolved', ...r });
      else out(`${r.message}\n`);
      // Finished: the record now names the new release, which the repair below is for.
      if (r.kind === 'finished') p = await prepareRun(o);
    }
  }
  // A saved plan is read and checked before anything else: an altered file changes nothing.
  const approvedPlan = o.plan && command !== 'verify' ? readSavedPlan(o.plan) : undefined;
  if (approvedPlan && command === 'uninstall' && approvedPlan.command !== 'uninstall')
    throw new InputError(
      'PLAN_WRONG_COMMAND',
      `${o.plan} is a plan for ${approvedPlan.command}, not uninstall.`,
      [{ path: '--plan', message: 'make it with "plan --for uninstall --out FILE"' }],
    );
  if (approvedPlan && command !== 'uninstall' && approvedPlan.command === 'uninstall')
    throw new InputError('PLAN_WRONG_COMMAND', `${o.plan} is a plan for uninstall, not ${command}.`, [
      { path: '--plan', message: 'make it with "plan --out FILE"' },
    ]);
  // The approved plan is the confirmation: nothing is asked again.
  const asks = (command === 'install' || command === 'uninstall') && !approvedPlan;
  if (asks && !o.yes) {
    if (isInteractive()) {
      if (command === 'install') {
        const { plan } = await runPlan(o, p);
        if (!plan.changes) return EXIT.ok;
      }
      const what =
        command === 'install'
          ? 'Apply these changes?'
          : `Uninstall QATrack+ from ${p.answers.paths.installDir}${uninstall?.keepData === false ? ' and DELETE its data' : ' (data is kept)'}?`;
      if (!(await confirm(what))) {
        out('Nothing was changed.\n');
        return EXIT.cancelled;
      }
    } else if (command === 'uninstall') {
      throw new InputError(
        'CONFIRMATION_REQUIRED',
        'uninstall removes QATrack+ and is not run unattended without --yes.',
        [{ path: '--yes', message: 'is required when stdin is not a terminal' }],
        'Add --yes to confirm.',
      );
    }
  }
  const progress = createProgress({ json: o.json === true, tty: isInteractive() });
  const cancel = cancelOnSigint();
  let report: RunReport;
  try {
    const { result } = await runSession({
      command,
      answers: p.answers,
      secrets: p.secrets,
      hostSpec: p.hostSpec,
      steps: p.steps,
      catalog: p.catalog,
      releaseRoot: p.releaseRoot,
      logFile: o.logFile,
      onEvent: progress.listener,
      signal: cancel.signal,
      defaultActionTimeoutMs: p.actionTimeoutMs,
      jobs: p.jobs,
      uninstall:
        approvedPlan?.command === 'uninstall' ? { keepData: approvedPlan.keepData ?? true } : uninstall,
      approvedPlan,
    });
    report = result as RunReport;
  } finally {
    progress.stop();
    cancel.dispose();
  }
  if (o.json) jsonLine({ type: 'report', ...report });
  else out(renderReport(report));
  return report.exitCode;
}
