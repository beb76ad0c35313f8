import { Option, type Command } from 'commander';
import type { RunOptions } from '../prepare.js';
import { withApprovedPlan, withJobs, withRunOptions } from '../options.js';
import type { CliCommand } from './types.js';

export const uninstallCommand: CliCommand = (program: Command, done) => {
  withJobs(withApprovedPlan(withRunOptions(program.command('uninstall'))))
    .description('remove QATrack+ (services, site, program files); data is kept unless --remove-data')
    .addOption(
      new Option('--keep-data', 'keep the database, media and backups (default)').conflicts('removeData'),
    )
    .addOption(new Option('--remove-data', 'also delete the data folder and the database'))
    .action(async (o: RunOptions & { removeData?: boolean }) =>
      done(
        await (await import('../run.js')).runChange('uninstall', o, { keepData: o.removeData !== true }),
        o,
      ),
    );
};
