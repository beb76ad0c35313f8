import { spawn } from 'node:child_process';
import sudo from '@vscode/sudo-prompt';
import { InstallerError } from '../engine/errors.js';
import { HELPER_FLAG } from './entry.js';

export interface LaunchOptions {
  /** The app's own executable (process.execPath in the packaged app). */
  exe: string;
  /** Extra leading arguments (the app path when running unpackaged). */
  preArgs?: string[];
  pipe: string;
  tokenFile: string;
  logFile?: string;
  /** Shown in the UAC prompt. */
  name: string;
}

/**
 * Starts the helper: elevated through one UAC prompt on Windows, as a plain child elsewhere (the
 * Linux profile is a test target). The command line holds fixed flags and app-made paths only:
 * no answer, no password, no token (that waits in the token file).
 */
export interface LaunchedHelper {
  /** Settles when the helper process ends; an Error when it could not start or was refused. */
  exited: Promise<Error | undefined>;
}

export function launchHelper(o: LaunchOptions): LaunchedHelper {
  const args = [...(o.preArgs ?? []), HELPER_FLAG, '--pipe', o.pipe, '--token-file', o.tokenFile];
  if (o.logFile) args.push('--log', o.logFile);
  if (process.platform !== 'win32') {
    const child = spawn(o.exe, args, { stdio: 'ignore' });
    return {
      exited: new Promise((resolve) => {
        child.on('error', (e) => resolve(e));
        child.on('exit', (code) => resolve(code ? new Error(`helper exited with code ${code}`) : undefined));
      }),
    };
  }
  for (const a of [o.exe, ...args]) {
    // sudo-prompt joins a command string; refuse anything that would need quoting beyond spaces.
    if (/["%^&|<>!\r\n]/.test(a)) {
      return {
        exited: Promise.resolve(
          new InstallerError('HELPER_PATH_UNSAFE', `Cannot start the helper from ${a}.`),
        ),
      };
    }
  }
  const command = [o.exe, ...args].map((a) => `"${a}"`).join(' ');
  return {
    exited: new Promise((resolve) => {
      // sudo-prompt calls back when the elevated process ends (it runs until the app hangs up).
      sudo.exec(command, { name: o.name }, (error) => {
        resolve(
          error
            ? new InstallerError(
                'HELPER_ELEVATION_REFUSED',
                'The installer was not allowed to make changes (the Windows prompt was cancelled).',
                'Press Install again and choose Yes in the prompt, or run the installer as an administrator.',
              )
            : undefined,
        );
      });
    }),
  };
}
