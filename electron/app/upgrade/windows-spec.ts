import type { Answers } from '../../engine/answers/index.js';
import type { ReleaseCatalog } from '../../engine/catalog-schema.js';
import { machineDataDir } from '../../engine/remembered.js';
import type { WinUpgradeSpec } from './windows-phases.js';

export interface WinSpecInput {
  /** The running deployment's answers (release = the installed one). */
  answers: Answers;
  /** What readWindowsInstalled found on the target. */
  installed: { release: string; releaseDir?: string };
  to: string;
  catalogFrom: ReleaseCatalog;
  catalogTo: ReleaseCatalog;
  keepDays: number;
  /** When the upgrade starts (default now): names the backup folder and sets keepUntil. */
  now?: Date;
}

/**
 * The Windows upgrade's spec from what preflight read: the one place the CLI (`upgrade --host`) and
 * the wizard's upgrade engine build it, so both plan and run the same upgrade.
 */
export function windowsUpgradeSpec(i: WinSpecInput): WinUpgradeSpec {
  return {
    answers: i.answers,
    from: i.installed.release,
    to: i.to,
    // A fresh install runs from the install folder; after an upgrade the record names the release folder.
    fromDir: i.installed.releaseDir ?? i.answers.paths.installDir,
    catalogFrom: i.catalogFrom,
    catalogTo: i.catalogTo,
    keepDays: i.keepDays,
    now: i.now ?? new Date(),
    // The target's %ProgramData%, not this computer's: the wizard may run elsewhere (sim host).
    machineDir: machineDataDir({ ProgramData: 'C:\\ProgramData' }, 'win32'),
  };
}
