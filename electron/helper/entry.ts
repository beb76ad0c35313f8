import { readFile, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { machineDataDir, RememberedStore } from '../engine/remembered.js';
import { runHelper, type HelperOptions } from './helper.js';

/** The app's own executable runs as the elevated helper when it sees this flag (RunAsNode stays off). */
export const HELPER_FLAG = '--qatrack-helper';

export const isHelperInvocation = (argv: readonly string[]) => argv.includes(HELPER_FLAG);

const argsSchema = z.object({
  pipe: z
    .string()
    .regex(
      /^(?:\\\\[.?]\\pipe\\qatrack-installer-[0-9a-f-]{36}|\/[A-Za-z0-9._/-]+\/helper\.sock)$/,
      'must be the installer pipe',
    ),
  'token-file': z.string().min(1),
  log: z.string().optional(),
});

/**
 * Helper mode entry: reads the one-time token from the file the app wrote (and deletes it, so the
 * token never sits on a command line and cannot be reused), then serves the app until it hangs up.
 */
export async function helperMain(
  argv: readonly string[],
  /** Tests only (a test entry of their own): a sim target, their steps, their remembered store. */
  overrides: Partial<Pick<HelperOptions, 'hostSpec' | 'steps' | 'catalog' | 'remembered'>> = {},
): Promise<number> {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== HELPER_FLAG),
    options: { pipe: { type: 'string' }, 'token-file': { type: 'string' }, log: { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  const args = argsSchema.safeParse(values);
  if (!args.success) {
    process.stderr.write(
      `qatrack helper: bad arguments (${args.error.issues.map((i) => i.path.join('.')).join(', ')})\n`,
    );
    return 64;
  }
  const tokenFile = args.data['token-file'];
  const token = (await readFile(tokenFile, 'utf8').catch(() => '')).trim();
  await rm(tokenFile, { force: true });
  if (!/^[0-9a-f]{64}$/.test(token)) {
    process.stderr.write('qatrack helper: no valid token\n');
    return 64;
  }
  const platform = process.platform === 'win32' ? 'win32' : 'posix';
  return runHelper({
    pipe: args.data.pipe,
    token,
    logFile: args.data.log,
    // The real machine, always: nothing on the command line (which the app writes) can retarget it.
    hostSpec: platform === 'win32' ? { kind: 'windows' } : { kind: 'posix' },
    remembered: new RememberedStore({ dir: machineDataDir() }),
    ...overrides,
  });
}
