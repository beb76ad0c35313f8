import { InputError } from '../../engine/errors.js';
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
    .option(
      '--mail <to>',
      "only send a test mail to this address through the answers' mail server, and report the server's answer",
    )
    .action(async (o: RunOptions & { signIn?: string; mail?: string }) => {
      if (o.signIn !== undefined && o.mail !== undefined)
        throw new InputError('OPTION_INVALID', 'verify tests one thing at a time: sign-in or mail.', [
          { path: '--mail', message: 'leave it out with --sign-in (or run verify twice)' },
        ]);
      if (o.signIn !== undefined)
        return done(await (await import('../sign-in.js')).runSignInTest(o, o.signIn), o);
      if (o.mail !== undefined) return done(await (await import('../mail.js')).runMailTest(o, o.mail), o);
      done(await (await import('../run.js')).runChange('verify', o), o);
    });
};
