import { Option, type Command } from 'commander';
import type { RunOptions } from '../prepare.js';
import { withReleaseOption, withRunOptions } from '../options.js';
import type { CliCommand } from './types.js';

export interface PlanOptions extends RunOptions {
  out?: string;
  for?: 'install' | 'uninstall';
  removeData?: boolean;
}

export const planCommand: CliCommand = (program: Command, done) => {
  withReleaseOption(withRunOptions(program.command('plan')))
    .description(
      'show what install would change, without changing anything (exit 0: nothing to do, 2: changes pending)',
    )
    .option(
      '--out <file>',
      'also save the plan, bound to the answers, release and host, for "install --plan"',
    )
    .addOption(
      new Option('--for <command>', 'the command to plan')
        .choices(['install', 'uninstall'])
        .default('install'),
    )
    .addOption(new Option('--remove-data', 'with --for uninstall: plan deleting the data too'))
    .action(async (o: PlanOptions) => done((await (await import('../run.js')).runPlan(o)).exitCode, o));
};
