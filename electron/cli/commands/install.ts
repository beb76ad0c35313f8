import type { Command } from 'commander';
import type { RunOptions } from '../prepare.js';
import { withApprovedPlan, withJobs, withReleaseOption, withRunOptions } from '../options.js';
import type { CliCommand } from './types.js';

export const installCommand: CliCommand = (program: Command, done) => {
  withJobs(withReleaseOption(withApprovedPlan(withRunOptions(program.command('install')))))
    .description('converge the machine to the answers (asks first on a terminal unless --yes)')
    .action(async (o: RunOptions) => done(await (await import('../run.js')).runChange('install', o), o));
};
