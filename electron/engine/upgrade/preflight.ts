import { InputError } from '../errors.js';
import { compareReleases } from './release-order.js';

export interface UpgradeFacts {
  installed: string;
  target: string;
  /** Releases the catalog holds (file names without .json). */
  catalogReleases: string[];
  /** The bundle manifest's release, or the reason it could not be read. */
  bundle: { release: string } | { problem: string };
  /** Free bytes where the backup goes, and what the backup needs (database + media + settings). */
  backupFreeBytes: number;
  backupNeededBytes: number;
  backupDir: string;
}

/** Backup room kept beyond the estimate: pg_dump -Fc is compressed, media is copied as is. */
const BACKUP_HEADROOM = 1.2;

/**
 * Every reason to refuse an upgrade before anything changes (exit 64): each problem names the
 * field and what is allowed. Called before the backup starts, so a refusal touches nothing.
 */
export function checkUpgrade(f: UpgradeFacts): void {
  const issues: { path: string; message: string }[] = [];
  if (!f.catalogReleases.includes(f.target))
    issues.push({
      path: '--release',
      message: `unknown release ${f.target}; the catalog has ${f.catalogReleases.join(', ') || 'none'}`,
    });
  else if (compareReleases(f.target, f.installed) < 0)
    issues.push({
      path: '--release',
      message: `${f.target} is older than the installed ${f.installed}; a downgrade is not supported (restore the backup instead)`,
    });
  else if (compareReleases(f.target, f.installed) === 0)
    issues.push({ path: '--release', message: `${f.target} is already installed; use repair` });
  if ('problem' in f.bundle) issues.push({ path: 'paths.bundleDir', message: f.bundle.problem });
  else if (f.bundle.release !== f.target)
    issues.push({
      path: 'paths.bundleDir',
      message: `the bundle holds release ${f.bundle.release}, not ${f.target}; make one with "bundle create --release ${f.target}"`,
    });
  const needed = Math.ceil(f.backupNeededBytes * BACKUP_HEADROOM);
  if (f.backupFreeBytes < needed)
    issues.push({
      path: 'backup.folder',
      message: `${f.backupDir} has ${f.backupFreeBytes} bytes free; the backup needs about ${needed}`,
    });
  if (issues.length)
    throw new InputError(
      'UPGRADE_REFUSED',
      `The upgrade from ${f.installed} to ${f.target} was refused; nothing was changed.`,
      issues,
      'Fix each item listed above and run upgrade again.',
    );
}
