import type { Command } from 'commander';
import type { RunOptions } from '../prepare.js';
import { withRunOptions } from '../options.js';
import type { CliCommand } from './types.js';

export const verifyCommand: CliCommand = (program: Command, done) => {
  withRunOptions(program.command('verify'))
    .description('check the installation (services, ports, HTTP, static files) without changing anything')
    .option(
      '--mail <to>',
      "only send a test mail to this address through the answers' mail server, and report the server's answer",
    )
    .action(async (o: RunOptions & { mail?: string }) => {
      if (o.mail !== undefined) return done(await (await import('../mail.js')).runMailTest(o, o.mail), o);
      done(await (await import('../run.js')).runChange('verify', o), o);
    });
};
