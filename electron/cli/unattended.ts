import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runUnattended, type MsiExitCode } from '../engine/msi-exit.js';
import { EXIT, InputError } from '../engine/errors.js';
import type { ActionApplier, RememberedStore } from '../engine/remembered.js';
import { parseUnattendedArgs, type UnattendedArgs } from '../engine/unattended-args.js';
import type { RunOptions } from './prepare.js';
import { runChange } from './run.js';

/**
 * The packaged app's `--unattended` entry (IT automation, and the NSIS uninstaller): runs the same
 * engine as the CLI, without a window and without questions, and returns an MSI-style exit code.
 * The wizard's Electron main calls it first thing:
 *   const code = await runUnattendedFromArgv(process.argv, deps);
 *   if (code !== null) app.exit(code);   // otherwise open the wizard
 */
export interface UnattendedDeps {
  write?: (line: string) => void;
  /**
   * The machine's remembered answers (%ProgramData%\QATrack+ Installer, electron/engine/remembered.ts):
   * read by uninstall/repair launched without --answers (the NSIS uninstaller knows none), written
   * after a successful install/repair, forgotten after an uninstall. Without it nothing is remembered.
   */
  remembered?: RememberedStore;
  /** How the remembered file reaches the machine (Windows: elevated actions with an ACL). */
  applier?: ActionApplier;
  /** Extra run options (the packed app's --host sim:FILE; tests: test steps, a test catalog). */
  runOptions?: Partial<RunOptions>;
}

const COMMAND = {
  install: 'install',
  reconfigure: 'install',
  repair: 'repair',
  uninstall: 'uninstall',
} as const;

/**
 * Upgrade's log when --log-file is absent: the machine folder's logs (beside the remembered
 * answers), else the temp folder. The upgrade's own sessions (staging, switching) append to it.
 */
function upgradeLogFile(store: RememberedStore | undefined): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const base = store?.dir ?? path.join(os.tmpdir(), 'qatrack-installer');
  return path.join(base, 'logs', `upgrade-${stamp}.log`);
}

/** Every line the entry prints also goes to the upgrade's log, so a refusal leaves its reason there. */
function alsoToLog(write: (line: string) => void, file: string): (line: string) => void {
  return (line) => {
    write(line);
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      appendFileSync(file, `${new Date().toISOString()} ${line}\n`);
    } catch {
      // The console still has the line; the run itself reports an unwritable log folder.
    }
  };
}

export async function runUnattendedFromArgv(
  argv: readonly string[],
  deps: UnattendedDeps = {},
): Promise<MsiExitCode | null> {
  let write = deps.write ?? ((line: string) => process.stdout.write(`${line}\n`));
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
  const { mode, keepData } = args;
  const store = deps.remembered;
  const logFile = mode === 'upgrade' ? (args.logFile ?? upgradeLogFile(store)) : args.logFile;
  if (mode === 'upgrade') write = alsoToLog(write, logFile!);
  return runUnattended(
    async () => {
      let answers = args.answersFile;
      if (answers === undefined) {
        const last = await store?.read();
        if (!last) {
          if (mode === 'uninstall') {
            // With none recorded on this machine, this app deployed nothing here.
            write('No QATrack+ deployment made by this app was found on this machine; nothing to remove.');
            return { exitCode: 0, rebootRequired: false };
          }
          throw new InputError(
            'ANSWERS_REQUIRED',
            `No answers were given and none are remembered on this machine (${store?.file ?? 'no store'}).`,
            [{ path: '--answers', message: 'is required: pass --answers <file>' }],
          );
        }
        write(`Using the answers remembered on this machine: ${last.file}`);
        if (last.legacy && store) {
          // An older build kept them in one admin's profile: the machine keeps them from now on.
          await store.write(last.answers, deps.applier);
          write(`Moved them to ${store.file}.`);
          answers = store.file;
        } else answers = last.file;
      }
      const options: RunOptions = {
        answers,
        yes: true,
        ...(logFile ? { logFile } : {}),
        // Uninstall needs no password it does not have: secrets the environment lacks get a
        // throwaway value (repair and install need the real ones: QATRACK_SECRET_* or --answers).
        ...(mode === 'uninstall' && args.answersFile === undefined ? { placeholderSecrets: true } : {}),
        ...deps.runOptions,
      };
      const exitCode =
        mode === 'upgrade'
          ? // The CLI's own upgrade: same refusals (exit 64), same hosts as they are added there.
            await (await import('./upgrade.js')).runUpgrade({ ...options, release: args.release! })
          : await runChange(COMMAND[mode], options, mode === 'uninstall' ? { keepData } : undefined);
      if (store && (exitCode === EXIT.ok || exitCode === EXIT.rebootRequired)) {
        // The deployment itself succeeded: failing to remember it is a warning, not a failed run.
        try {
          if (mode === 'uninstall') await store.forget(deps.applier);
          else if (mode === 'upgrade') {
            // The machine now runs the target: repair and uninstall plan for it from here on.
            const text = readFileSync(answers, 'utf8').replace(/^\uFEFF/, '');
            const upgraded = { ...(JSON.parse(text) as Record<string, unknown>), release: args.release };
            await store.write(upgraded, deps.applier);
          } else if (args.answersFile !== undefined) {
            const text = readFileSync(args.answersFile, 'utf8').replace(/^\uFEFF/, '');
            await store.write(JSON.parse(text) as Record<string, unknown>, deps.applier);
          }
        } catch (e) {
          write(
            `Warning: could not update the answers remembered in ${store.file} (${(e as Error).message}); ` +
              'keep your answers file: repair and uninstall will need --answers.',
          );
        }
      }
      return { exitCode, rebootRequired: false };
    },
    // Without --log-file the engine picks <data>\logs\<command>-<time>.log and prints it.
    { ...(logFile ? { logPath: logFile } : {}), write },
  );
}
