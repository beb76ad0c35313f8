import type { Command } from 'commander';
import type { RunOptions } from '../prepare.js';
import { runChange, withRunOptions } from '../run.js';
import type { CliCommand } from './types.js';

export const verifyCommand: CliCommand = (program: Command, done) => {
  withRunOptions(program.command('verify'))
    .description('check the installation (services, ports, HTTP, static files) without changing anything')
    .action(async (o: RunOptions) => done(await runChange('verify', o), o));
};
