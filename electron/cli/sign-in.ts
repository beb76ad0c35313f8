import { InputError, EXIT } from '../engine/errors.js';
import { directorySettingsFrom, isDirectorySignIn } from '../directory/from-answers.js';
import { testSignIn } from '../directory/sign-in-test.js';
import { jsonLine, out } from './output.js';
import { prepareRun, type RunOptions } from './prepare.js';

/** The password, read from stdin (never argv): the first line, without its line break. */
export async function readPasswordFromStdin(stdin: NodeJS.ReadableStream = process.stdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/**
 * `verify --sign-in USER`: "Test sign-in" from the command line, with the answers' directory
 * settings. Exit 0 when QATrack+ would let the user in, 1 when not (with the reason), 64 for input.
 */
export async function runSignInTest(o: RunOptions, username: string): Promise<number> {
  if (o.secretsStdin)
    throw new InputError(
      'OPTION_INVALID',
      '--sign-in reads the password from stdin, so it cannot take --secrets-stdin too.',
      [{ path: '--secrets-stdin', message: 'leave it out with --sign-in' }],
    );
  if (!/^[^\s@\\/"]{1,64}$/.test(username))
    throw new InputError('OPTION_INVALID', 'The user name to test is not a logon name.', [
      { path: '--sign-in', message: 'must be a logon name such as jsmith (no spaces, @ or \\)' },
    ]);
  // Only the sign-in section is used: the answers' other secrets may be absent here.
  const p = await prepareRun({ ...o, placeholderSecrets: true });
  const s = p.answers.signIn;
  if (!isDirectorySignIn(s))
    throw new InputError(
      'SIGN_IN_NOT_DIRECTORY',
      `The answers sign people in with "${s.kind}": there is no directory to test.`,
      [{ path: 'signIn.kind', message: 'must be activeDirectory or windowsIntegrated for --sign-in' }],
    );
  let settings;
  try {
    settings = await directorySettingsFrom(s);
  } catch (e) {
    throw new InputError('SIGN_IN_CA_FILE_UNREADABLE', (e as Error).message, [
      { path: 'signIn.caFile', message: 'must be a readable PEM file on this computer' },
    ]);
  }
  const password = await readPasswordFromStdin();
  const r = await testSignIn(settings, username, password);
  if (o.json) jsonLine({ signIn: r });
  else out(r.ok ? `OK: ${r.detail}\n` : `NOT OK (${r.problem}): ${r.detail}\n  Fix: ${r.fix}\n`);
  return r.ok ? EXIT.ok : EXIT.failure;
}
