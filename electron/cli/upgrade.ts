import path from 'node:path';
import { readManifest } from '../bundle/manifest.js';
import { EXIT, InstallerError } from '../engine/errors.js';
import { computeLayout } from '../engine/layout.js';
import { listReleases } from '../engine/release.js';
import { resources } from '../engine/resources.js';
import { readInstalledRelease } from '../engine/upgrade/installed-release.js';
import { upgradePhases } from '../engine/upgrade/phases.js';
import { checkUpgrade } from '../engine/upgrade/preflight.js';
import { backupNeededBytes, freeBytesFor, runPosixBackup } from '../hosts/posix/upgrade-backup.js';
import { jsonLine, out } from './output.js';
import { prepareRun, type RunOptions } from './prepare.js';

export interface UpgradeOptions extends RunOptions {
  release: string;
  /** Run only the backup phase (the rest of the upgrade is not built yet). */
  backupOnly?: boolean;
}

const catalogReleases = (dir: string) => listReleases(dir);

/**
 * `upgrade --release VERSION`: detects the installed release, refuses (exit 64, nothing changed)
 * a downgrade, an unknown release, a bundle of another release or too little room for the backup,
 * and prints the plan from -> to. Only the posix host is supported; only the backup phase runs.
 */
export async function runUpgrade(o: UpgradeOptions): Promise<number> {
  // upgrade's --release is the target; the answers name the release installed now.
  const p = await prepareRun({ ...o, release: undefined });
  if (p.hostSpec.kind !== 'posix')
    throw new InstallerError(
      'UPGRADE_HOST_UNSUPPORTED',
      `upgrade runs only on the posix host so far, not ${p.hostSpec.kind}.`,
    );
  const layout = computeLayout(p.answers, 'posix');
  const installed = await readInstalledRelease(layout.stateDir, p.answers.release);
  const manifest = p.answers.paths.bundleDir
    ? await readManifest(p.answers.paths.bundleDir)
    : ({ ok: false, problem: 'no bundle folder in the answers (paths.bundleDir)' } as const);
  const need = await backupNeededBytes(p.answers, layout, p.secrets);
  checkUpgrade({
    installed: installed.release,
    target: o.release,
    catalogReleases: catalogReleases(o.catalogDir ?? resources().releasesDir),
    bundle: manifest.ok ? { release: manifest.manifest.release } : { problem: manifest.problem },
    backupFreeBytes: await freeBytesFor(layout.backupDir),
    backupNeededBytes: need.dbBytes + need.mediaBytes,
    backupDir: layout.backupDir,
  });
  const phases = upgradePhases(layout, installed.release, o.release, layout.backupDir);
  if (o.json) jsonLine({ type: 'upgradePlan', from: installed.release, to: o.release, phases });
  else
    out(
      `Upgrade QATrack+ ${installed.release} -> ${o.release} (installed release from the ${installed.source === 'record' ? 'installed-release record' : 'answers'})\n` +
        phases.map((ph, i) => `  ${i + 1}. ${ph.describe}\n`).join(''),
    );
  if (!o.backupOnly) {
    out('Nothing was changed: only the backup phase is built so far (run with --backup-only).\n');
    return EXIT.failure;
  }
  const backup = await runPosixBackup(p.answers, layout, p.secrets, `before-${o.release}`);
  if (o.json) jsonLine({ type: 'backup', ...backup, folder: path.dirname(backup.dumpFile) });
  else out(`Backup written to ${backup.dir} (${backup.bytes} bytes in ${backup.ms} ms).\n`);
  return EXIT.ok;
}
