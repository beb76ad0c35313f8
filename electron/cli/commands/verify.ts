import type { Command } from 'commander';
import type { RunOptions } from '../prepare.js';
import { withRunOptions } from '../options.js';
import type { CliCommand } from './types.js';

export const verifyCommand: CliCommand = (program: Command, done) => {
  withRunOptions(program.command('verify'))
    .description('check the installation (services, ports, HTTP, static files) without changing anything')
    .action(async (o: RunOptions) => done(await (await import('../run.js')).runChange('verify', o), o));
};
