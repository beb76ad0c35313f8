import { spawn } from 'node:child_process';
import { InstallerError } from '../engine/errors.js';
import { POWERSHELL } from '../windows/names.js';
import { HELPER_FLAG } from './entry.js';

export interface LaunchOptions {
  /** The app's own (signed) executable: process.execPath in the packaged app. */
  exe: string;
  /** Extra leading arguments (the app path when running unpackaged). */
  preArgs?: string[];
  pipe: string;
  tokenFile: string;
  logFile?: string;
}

/** What the OS is asked to run, as data: unit tests check it byte for byte. */
export interface ElevationCommand {
  /** Absolute path (no PATH lookup). */
  file: string;
  args: string[];
  /** JSON for the fixed script's stdin: the app's own exe and its fixed helper flags. */
  stdinJson: { exe: string; args: string };
}

/** The helper's command line: fixed flags and app-made paths only; no answer, no password, no token. */
export function helperArgs(o: LaunchOptions): string[] {
  const args = [...(o.preArgs ?? []), HELPER_FLAG, '--pipe', o.pipe, '--token-file', o.tokenFile];
  if (o.logFile) args.push('--log', o.logFile);
  return args;
}

/**
 * Elevates the app's OWN executable, so the UAC prompt names "QATrack+ Installer" and its verified
 * publisher (the signed exe), not "Windows Command Processor": PowerShell's `Start-Process -Verb
 * RunAs` is ShellExecuteEx with the "runas" verb (Microsoft Learn, Start-Process: "-Verb RunAs ...
 * starts the process with elevated permissions"; Vista compat team: "The trick is passing in
 * \"runas\" in the lpVerb"). The script text is constant (-EncodedCommand); the exe path and the
 * argument string arrive as JSON on stdin, so nothing is quoted into a script and no .bat is written.
 * The answer is JSON built from an object: the helper's PID, or the Win32 error code of the failure
 * (1223 ERROR_CANCELLED when the person chose No; Microsoft Learn, System Error Codes 1000-1299).
 * Mapping the exception to NativeErrorCode on a real Windows Server is UNCONFIRMED (no Windows here).
 */
export const ELEVATE_SCRIPT = `$ErrorActionPreference = "Stop"; $in = [Console]::In.ReadToEnd() | ConvertFrom-Json
try {
  $p = Start-Process -FilePath $in.exe -ArgumentList $in.args -Verb RunAs -WindowStyle Hidden -PassThru
  @{ ok = $true; pid = $p.Id } | ConvertTo-Json -Compress
} catch {
  $e = $_.Exception; $w = $null
  while ($e) { if ($e -is [System.ComponentModel.Win32Exception]) { $w = $e; break }; $e = $e.InnerException }
  @{ ok = $false; win32 = $(if ($w) { $w.NativeErrorCode } else { 0 }); message = $_.Exception.Message } | ConvertTo-Json -Compress
}`;

/** Windows command-line quoting of one argument (CommandLineToArgvW rules; we refuse `"` anyway). */
const quoteArg = (a: string) => (/[\s]/.test(a) || a === '' ? `"${a.replace(/(\\+)$/, '$1$1')}"` : a);

export function elevationCommand(o: LaunchOptions): ElevationCommand {
  const args = helperArgs(o);
  for (const a of [o.exe, ...args]) {
    if (/["\r\n\0]/.test(a))
      throw new InstallerError(
        'HELPER_PATH_UNSAFE',
        `Cannot start the helper from a path containing quotes: ${a}`,
      );
  }
  return {
    file: POWERSHELL,
    args: [
      '-NoLogo',
      '-NoProfile',
      '-NonInteractive',
      '-ExecutionPolicy',
      'Bypass',
      '-EncodedCommand',
      Buffer.from(ELEVATE_SCRIPT, 'utf16le').toString('base64'),
    ],
    stdinJson: { exe: o.exe, args: args.map(quoteArg).join(' ') },
  };
}

const elevateAnswer = (text: string) => {
  try {
    const v = JSON.parse(text.trim()) as { ok?: boolean; pid?: number; win32?: number; message?: string };
    return typeof v === 'object' && v !== null && typeof v.ok === 'boolean' ? v : undefined;
  } catch {
    return undefined;
  }
};

/** What a failed elevation means, in words: cancelled, blocked, or the launcher itself failed. */
export function elevationFailure(
  answer: { win32?: number; message?: string } | undefined,
  detail = '',
): InstallerError {
  if (answer?.win32 === 1223)
    return new InstallerError(
      'HELPER_ELEVATION_CANCELLED',
      'The Windows prompt (UAC) for QATrack+ Installer was answered No, so nothing was changed.',
      'Press Install again and choose Yes, or ask an administrator to run the installer.',
    );
  if (answer && answer.win32)
    return new InstallerError(
      'HELPER_ELEVATION_BLOCKED',
      `Windows did not start QATrack+ Installer as an administrator (Win32 error ${answer.win32}${answer.message ? `: ${answer.message}` : ''}).`,
      'A policy may block elevation (AppLocker, UAC settings, or a standard account): ask your administrator, or run the installer as an administrator.',
    );
  return new InstallerError(
    'HELPER_LAUNCH_FAILED',
    `The installer could not ask Windows for elevation (${answer?.message ?? (detail || 'PowerShell gave no answer')}).`,
    'Check that Windows PowerShell 5.1 is present and not blocked by policy, then try again.',
  );
}

export interface LaunchedHelper {
  /** Settles when the launch failed or the helper process ended; undefined for a clean end. */
  exited: Promise<Error | undefined>;
}

/** How long to wait between "is the elevated helper still alive" checks. */
const ALIVE_POLL_MS = 1000;

/**
 * Starts the helper: elevated through one UAC prompt on Windows, as a plain child elsewhere (the
 * Linux profile is a test target).
 */
export function launchHelper(o: LaunchOptions, spawnImpl: typeof spawn = spawn): LaunchedHelper {
  if (process.platform !== 'win32') {
    const child = spawnImpl(o.exe, helperArgs(o), { stdio: 'ignore' });
    return {
      exited: new Promise((resolve) => {
        child.on('error', (e) => resolve(e));
        child.on('exit', (code, signal) =>
          resolve(code || signal ? helperCrashed(child.pid, code ?? signal ?? '') : undefined),
        );
      }),
    };
  }
  let command: ElevationCommand;
  try {
    command = elevationCommand(o);
  } catch (e) {
    return { exited: Promise.resolve(e as Error) };
  }
  return {
    exited: new Promise((resolve) => {
      const ps = spawnImpl(command.file, command.args, {
        windowsHide: true,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      ps.stdout?.on('data', (d: Buffer) => (out += d.toString('utf8')));
      ps.stderr?.on('data', (d: Buffer) => (err += d.toString('utf8')));
      ps.on('error', (e) => resolve(elevationFailure(undefined, e.message)));
      ps.on('close', (code) => {
        const answer = elevateAnswer(out);
        if (!answer?.ok || !answer.pid) {
          resolve(elevationFailure(answer, err.trim().split(/\r?\n/)[0] || `exit code ${code}`));
          return;
        }
        // The elevated process is not our child: watch it by PID (EPERM = alive but elevated).
        const pid = answer.pid;
        const timer = setInterval(() => {
          try {
            process.kill(pid, 0);
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'ESRCH') {
              clearInterval(timer);
              resolve(helperCrashed(pid, 'unknown'));
            }
          }
        }, ALIVE_POLL_MS);
        timer.unref();
      });
      ps.stdin?.end(JSON.stringify(command.stdinJson));
    }),
  };
}

const helperCrashed = (pid: number | undefined, how: number | string) =>
  new InstallerError(
    'HELPER_CRASHED',
    `The elevated helper${pid ? ` (PID ${pid})` : ''} ended before it finished (exit ${how}).`,
    'See helper.log in the log folder, then try again.',
  );
