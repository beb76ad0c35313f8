import { CancelledError, EXIT, InputError, InstallerError } from './errors.js';

/**
 * Exit codes for unattended runs of the packaged app (`QATrack+ Installer.exe --unattended ...`), in
 * the vocabulary IT automation already handles for MSI and Burn installers (SCCM, Intune, Ansible's
 * win_package treat 3010 as "success, reboot pending" and 1602/1603 as failures). Source: the Windows
 * Installer error table, https://learn.microsoft.com/windows/win32/msi/error-codes.
 * The CLI keeps the engine's own codes (Terraform-style, see errors.ts); only the Windows-facing
 * unattended entry translates.
 */
export const MSI_EXIT = {
  success: 0,
  /** ERROR_SUCCESS_REBOOT_REQUIRED: done, but a restart is needed before QATrack+ is fully usable. */
  rebootRequired: 3010,
  /** ERROR_INSTALL_USEREXIT: cancelled (Ctrl+C, the wizard's Cancel, a refused UAC prompt). */
  cancelled: 1602,
  /** ERROR_INSTALL_FAILURE: fatal error; the log says which step and why. */
  failed: 1603,
  /** ERROR_INVALID_COMMAND_LINE: the answers file or flags are invalid; nothing was changed. */
  invalidCommandLine: 1639,
} as const;
export type MsiExitCode = (typeof MSI_EXIT)[keyof typeof MSI_EXIT];

/** What a finished run reports (the runner's `run-end` event carries both fields). */
export interface RunResult {
  exitCode: number;
  rebootRequired: boolean;
}

/** Engine exit code (errors.ts EXIT) plus the reboot flag, in MSI terms. */
export function msiExitCodeForResult(result: RunResult): MsiExitCode {
  switch (result.exitCode) {
    case EXIT.ok:
      return result.rebootRequired ? MSI_EXIT.rebootRequired : MSI_EXIT.success;
    case EXIT.rebootRequired:
      return MSI_EXIT.rebootRequired;
    case EXIT.cancelled:
      return MSI_EXIT.cancelled;
    case EXIT.invalidInput:
      return MSI_EXIT.invalidCommandLine;
    default:
      // EXIT.failure, and EXIT.changesPending, which only `plan` returns: an apply that still has
      // changes pending did not converge, so it failed.
      return MSI_EXIT.failed;
  }
}

/** An error that escaped the run, in MSI terms. */
export function msiExitCodeForError(error: unknown): MsiExitCode {
  if (error instanceof CancelledError) return MSI_EXIT.cancelled;
  if (error instanceof InputError) return MSI_EXIT.invalidCommandLine;
  return MSI_EXIT.failed;
}

const MEANING: Record<MsiExitCode, string> = {
  0: 'succeeded',
  3010: 'succeeded; restart Windows to finish',
  1602: 'was cancelled; nothing further was changed',
  1603: 'failed',
  1639: 'did not start: the answers or options are invalid; nothing was changed',
};

/** The last line an unattended run prints: outcome, exit code and where the full log is. */
export function unattendedSummary(code: MsiExitCode, logPath: string): string {
  return `QATrack+ Installer ${MEANING[code]} (exit code ${code}). Log: ${logPath}`;
}

export interface UnattendedOptions {
  /**
   * Where the run writes its log; printed first and last so it is found even after a crash. Unknown
   * when the engine chooses it (it then prints its own "Log:" line).
   */
  logPath?: string;
  /** Output sink (stdout in the app; a buffer in tests). */
  write: (line: string) => void;
}

/**
 * Runs one unattended operation and returns the MSI-style exit code; never throws. The wizard's main
 * calls this when it sees `--unattended`, then `app.exit(code)`.
 */
export async function runUnattended(
  run: () => Promise<RunResult>,
  options: UnattendedOptions,
): Promise<MsiExitCode> {
  if (options.logPath) options.write(`Log: ${options.logPath}`);
  let code: MsiExitCode;
  try {
    code = msiExitCodeForResult(await run());
  } catch (error) {
    code = msiExitCodeForError(error);
    options.write(describeError(error));
  }
  options.write(unattendedSummary(code, options.logPath ?? 'as printed above'));
  return code;
}

/** Errors are already redacted by the engine; unknown ones are bugs and say so. */
function describeError(error: unknown): string {
  if (error instanceof InstallerError) {
    // Bad input lists every problem as `path: message` (never a value: secrets are not echoed).
    const issues = error instanceof InputError ? error.issues.map((i) => `\n  ${i.path}: ${i.message}`) : [];
    return `Error ${error.code}: ${error.message}${error.fix ? ` ${error.fix}` : ''}${issues.join('')}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `Error INTERNAL: ${message} (this is a bug; please send the log).`;
}
