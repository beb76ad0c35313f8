import { existsSync } from 'node:fs';
import path from 'node:path';
import { runUnattended, type MsiExitCode } from '../engine/msi-exit.js';
import { parseUnattendedArgs, type UnattendedArgs } from '../engine/unattended-args.js';
import type { RunOptions } from './prepare.js';
import { runChange } from './run.js';

/**
 * The packaged app's `--unattended` entry (IT automation, and the NSIS uninstaller): runs the same
 * engine as the CLI, without a window and without questions, and returns an MSI-style exit code.
 * The wizard's Electron main calls it first thing:
 *   const code = await runUnattendedFromArgv(process.argv);
 *   if (code !== null) app.exit(code);   // otherwise open the wizard
 */
export interface UnattendedDeps {
  write?: (line: string) => void;
  /**
   * Answers of the last deployment (without secrets), for uninstall/repair launched with no
   * --answers (the NSIS uninstaller knows none). Default: lastAnswersFile() if it exists.
   */
  findLastAnswers?: () => string | null;
  /** Extra run options (tests: a sim host, test steps). */
  runOptions?: Partial<RunOptions>;
}

/**
 * Where the app keeps the answers of its last successful run, without secrets, so Modify, Repair
 * and Uninstall from Add/Remove Programs can start from them. Machine-wide: the deployment is.
 */
export function lastAnswersFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.ProgramData ?? env.PROGRAMDATA ?? 'C:\\ProgramData';
  return path.win32.join(base, 'QATrack+ Installer', 'last-answers.json');
}

const COMMAND = {
  install: 'install',
  reconfigure: 'install',
  repair: 'repair',
  uninstall: 'uninstall',
} as const;

export async function runUnattendedFromArgv(
  argv: readonly string[],
  deps: UnattendedDeps = {},
): Promise<MsiExitCode | null> {
  const write = deps.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  let args: UnattendedArgs | null;
  try {
    args = parseUnattendedArgs(argv);
  } catch (error) {
    return runUnattended(() => Promise.reject(error instanceof Error ? error : new Error(String(error))), {
      logPath: 'none (nothing was run)',
      write,
    });
  }
  if (args === null) return null;
  const { mode, keepData, logFile } = args;
  const findLast = deps.findLastAnswers ?? (() => (existsSync(lastAnswersFile()) ? lastAnswersFile() : null));
  const answers = args.answersFile ?? findLast();
  return runUnattended(
    async () => {
      if (answers === null) {
        // Only uninstall may come without answers; with none recorded, this app deployed nothing.
        write('No QATrack+ deployment made by this app was found; nothing to remove.');
        return { exitCode: 0, rebootRequired: false };
      }
      const options: RunOptions = { answers, yes: true, ...(logFile ? { logFile } : {}), ...deps.runOptions };
      const exitCode = await runChange(
        COMMAND[mode],
        options,
        mode === 'uninstall' ? { keepData } : undefined,
      );
      return { exitCode, rebootRequired: false };
    },
    // Without --log-file the engine picks <data>\logs\<command>-<time>.log and prints it.
    { ...(logFile ? { logPath: logFile } : {}), write },
  );
}
