import type { Command } from 'commander';
import { withRunOptions } from '../options.js';
import type { UpgradeOptions } from '../upgrade.js';
import type { CliCommand } from './types.js';

export const upgradeCommand: CliCommand = (program: Command, done) => {
  withRunOptions(program.command('upgrade'))
    .description(
      'upgrade the installed QATrack+ to --release (backup first; refused with exit 64 if not a supported path)',
    )
    .requiredOption('--release <version>', 'the release to upgrade to, e.g. 3.1.1.5')
    .option('--backup-only', 'run only the backup phase')
    .option(
      '--plan-only',
      'sim host: print the upgrade plan and exit 2, change nothing (the default without --yes)',
    )
    .option('--keep-old-days <days>', 'days the replaced release is kept for a manual rollback (default 14)')
    .action(async (o: UpgradeOptions) => done(await (await import('../upgrade.js')).runUpgrade(o), o));
};
