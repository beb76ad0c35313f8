import type { Command } from 'commander';
import type { RunOptions } from '../prepare.js';
import { withRunOptions } from '../options.js';
import type { CliCommand } from './types.js';

export const planCommand: CliCommand = (program: Command, done) => {
  withRunOptions(program.command('plan'))
    .description(
      'show what install would change, without changing anything (exit 0: nothing to do, 2: changes pending)',
    )
    .action(async (o: RunOptions) => done((await (await import('../run.js')).runPlan(o)).exitCode, o));
};
