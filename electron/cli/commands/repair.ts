import type { Command } from 'commander';
import type { RunOptions } from '../prepare.js';
import { withApprovedPlan, withJobs, withRunOptions } from '../options.js';
import type { CliCommand } from './types.js';

export const repairCommand: CliCommand = (program: Command, done) => {
  withJobs(withApprovedPlan(withRunOptions(program.command('repair'))))
    .description('check for drift, then converge again (after a failure, a kill or a reboot)')
    .action(async (o: RunOptions) => done(await (await import('../run.js')).runChange('repair', o), o));
};
