import type { Command } from 'commander';
import type { RunOptions } from '../prepare.js';
import { withRunOptions } from '../options.js';
import type { CliCommand } from './types.js';

export const verifyCommand: CliCommand = (program: Command, done) => {
  withRunOptions(program.command('verify'))
    .description('check the installation (services, ports, HTTP, static files) without changing anything')
    .option(
      '--sign-in <user>',
      'only test signing this directory user in as QATrack+ will (password read from stdin, first line)',
    )
    .action(async (o: RunOptions & { signIn?: string }) =>
      done(
        o.signIn
          ? await (await import('../sign-in.js')).runSignInTest(o, o.signIn)
          : await (await import('../run.js')).runChange('verify', o),
        o,
      ),
    );
};
