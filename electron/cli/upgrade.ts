import path from 'node:path';
import { readManifest } from '../bundle/manifest.js';
import { EXIT, InputError } from '../engine/errors.js';
import { computeLayout } from '../engine/layout.js';
import { listReleases } from '../engine/release.js';
import { resources } from '../engine/resources.js';
import { readInstalledRelease } from '../engine/upgrade/installed-release.js';
import { KEEP_OLD_DAYS, upgradePhases } from '../engine/upgrade/phases.js';
import { runPosixUpgrade } from '../app/upgrade/posix-upgrade.js';
import type { UpgradeEvent } from '../app/upgrade/context.js';
import { cancelOnSigint } from './run.js';
import { checkUpgrade, pythonLine } from '../engine/upgrade/preflight.js';
import { upgradePath } from '../engine/upgrade/upgrade-path.js';
import { readUpgradeState } from '../engine/upgrade/upgrade-state.js';
import { backupNeededBytes, freeBytesFor, runPosixBackup } from '../hosts/posix/upgrade-backup.js';
import { newDatabaseFacts, pythonFacts } from '../hosts/posix/upgrade-preflight.js';
import { err, jsonLine, out } from './output.js';
import { runWindowsUpgradeCli } from './upgrade-windows.js';
import { loadCatalogFrom, prepareRun, type PreparedRun, type RunOptions } from './prepare.js';

export interface UpgradeOptions extends RunOptions {
  release: string;
  /** Run only the backup phase. */
  backupOnly?: boolean;
  /** Days the replaced release's folders are kept for a manual rollback. */
  keepOldDays?: string;
  /** sim/windows: print the plan and exit 2, change nothing (also the default without --yes). */
  planOnly?: boolean;
}

function keepDays(raw: string | undefined): number {
  if (raw === undefined) return KEEP_OLD_DAYS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 365)
    throw new InputError('OPTION_INVALID', '--keep-old-days must be a whole number of days.', [
      { path: '--keep-old-days', message: 'must be from 1 to 365' },
    ]);
  return n;
}

const catalogReleases = (dir: string) => listReleases(dir);

/**
 * `upgrade --release VERSION`: detects the installed release, refuses (exit 64, nothing changed)
 * a downgrade, an unknown release, a bundle of another release or too little room for the backup,
 * and prints the plan from -> to, then upgrades (posix here; windows and sim in upgrade-windows.ts).
 */
export async function runUpgrade(o: UpgradeOptions): Promise<number> {
  // upgrade's --release is the target; the answers name the release installed now.
  const days = keepDays(o.keepOldDays);
  const p = await prepareRun({ ...o, release: undefined });
  if (p.hostSpec.kind !== 'posix') return runWindowsUpgradeCli(o, p, days);
  const layout = computeLayout(p.answers, 'posix');
  const installed = await readInstalledRelease(layout.stateDir, p.answers.release);
  const pending = await readUpgradeState(layout.stateDir);
  if (pending)
    throw new InputError(
      'UPGRADE_PENDING',
      `An upgrade ${pending.from} -> ${pending.to} was interrupted in ${pending.phase}; nothing was changed.`,
      [{ path: '--release', message: 'finish or roll back the interrupted upgrade first' }],
      'Run "repair": it finishes the interrupted upgrade or rolls it back, then run upgrade again.',
    );
  const manifest = p.answers.paths.bundleDir
    ? await readManifest(p.answers.paths.bundleDir)
    : ({ ok: false, problem: 'no bundle folder in the answers (paths.bundleDir)' } as const);
  const need = await backupNeededBytes(p.answers, layout, p.secrets);
  const knownTarget = catalogReleases(o.catalogDir ?? resources().releasesDir).includes(o.release);
  const via = knownTarget ? upgradePath(installed.release, o.release, p.answers.database.name) : undefined;
  // Across a major line the new release brings its own Python line (4.0: 3.12) and a new database.
  const needsPython =
    via?.kind === 'new-database'
      ? pythonLine(loadCatalogFrom(o.catalogDir, o.release).python.version)
      : undefined;
  checkUpgrade({
    installed: installed.release,
    target: o.release,
    catalogReleases: catalogReleases(o.catalogDir ?? resources().releasesDir),
    bundle: manifest.ok ? { release: manifest.manifest.release } : { problem: manifest.problem },
    backupFreeBytes: await freeBytesFor(layout.backupDir),
    backupNeededBytes: need.dbBytes + need.mediaBytes,
    backupDir: layout.backupDir,
    ...(via?.kind === 'new-database'
      ? { newDatabase: await newDatabaseFacts(p.answers, p.secrets, via.database) }
      : {}),
    ...(needsPython ? { python: await pythonFacts(layout.pythonExe, needsPython) } : {}),
  });
  const route = via ?? upgradePath(installed.release, o.release, p.answers.database.name);
  const phases = upgradePhases(layout, installed.release, o.release, layout.backupDir, days, route);
  if (o.json) jsonLine({ type: 'upgradePlan', from: installed.release, to: o.release, path: route, phases });
  else
    out(
      `Upgrade QATrack+ ${installed.release} -> ${o.release} (installed release from the ${installed.source === 'record' ? 'installed-release record' : 'answers'})\n` +
        phases.map((ph, i) => `  ${i + 1}. ${ph.describe}\n`).join(''),
    );
  if (!o.backupOnly) return upgradeNow(o, p, installed, layout.installDir, days);
  const backup = await runPosixBackup(p.answers, layout, p.secrets, `before-${o.release}`);
  if (o.json) jsonLine({ type: 'backup', ...backup, folder: path.dirname(backup.dumpFile) });
  else out(`Backup written to ${backup.dir} (${backup.bytes} bytes in ${backup.ms} ms).\n`);
  return EXIT.ok;
}

function printEvent(e: UpgradeEvent): void {
  if (e.type === 'upgrade-phase' && e.state === 'start') err(`[upgrade] ${e.describe}\n`);
  else if (e.type === 'migration') err(`  - applied ${e.app}.${e.name}${e.faked ? ' (faked)' : ''}\n`);
  else if (e.type === 'backup') err(`  - backup ${e.dir}: ${e.bytes} bytes in ${e.ms} ms\n`);
  else if (e.type === 'restore-copy') err(`  - restored into the new database ${e.database} in ${e.ms} ms\n`);
  else if (e.type === 'rollback') err(`[rollback] ${e.describe}\n`);
  else if (e.type === 'upgrade-log') err(`  - ${e.message}\n`);
}

/** The whole upgrade (preflight passed): exit 0 upgraded, 1 failed and rolled back, 130 cancelled. */
async function upgradeNow(
  o: UpgradeOptions,
  p: PreparedRun,
  installed: { release: string; releaseDir?: string },
  installDir: string,
  days: number,
): Promise<number> {
  const cancel = cancelOnSigint();
  try {
    const r = await runPosixUpgrade({
      answers: p.answers,
      secrets: p.secrets,
      hostSpec: p.hostSpec,
      from: installed.release,
      fromDir: installed.releaseDir ?? installDir,
      to: o.release,
      catalogTo: loadCatalogFrom(o.catalogDir, o.release),
      keepDays: days,
      ...(o.logFile ? { logFile: o.logFile } : {}),
      onEvent: (e) => (o.json ? jsonLine(e) : printEvent(e)),
      signal: cancel.signal,
    });
    if (o.json) jsonLine({ type: 'upgrade-result', ...r });
    else out(`${r.message}\n`);
    return r.exitCode;
  } finally {
    cancel.dispose();
  }
}
