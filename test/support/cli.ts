import { execa, type ResultPromise } from 'execa';
import path from 'node:path';

export const CLI = path.resolve('bin/qatrack-installer.js');
export const TEST_STEPS = [
  '--steps-module',
  'test/fixtures/engine/steps.ts',
  '--catalog-dir',
  'test/fixtures/engine/catalog',
];

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/qatrack-installer.js ...` as a real child process (stdin is not a TTY). */
export function startCli(
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): ResultPromise {
  return execa(process.execPath, [CLI, ...args], {
    reject: false,
    input: options.input ?? '',
    env: { ...options.env, CI: process.env.CI ?? '' },
    timeout: 60_000,
  });
}

export async function runCli(
  args: string[],
  options: { input?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const r = await startCli(args, options);
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
