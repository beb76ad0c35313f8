/**
 * Errors shown to people: a stable code, what happened in plain words, and what to do.
 * Anything else reaching the top level is a bug and is reported as INTERNAL with the log path.
 */
export class InstallerError extends Error {
  /** The run's log, set when the error leaves a session (the CLI prints it). */
  logFile?: string;

  constructor(
    readonly code: string,
    message: string,
    readonly fix?: string,
  ) {
    super(message);
    this.name = 'InstallerError';
  }
}

/** Bad input (answers, flags, a bundle that does not verify): exit 64, nothing changed. */
export class InputError extends InstallerError {
  constructor(
    code: string,
    message: string,
    readonly issues: { path: string; message: string }[] = [],
    fix?: string,
  ) {
    super(code, message, fix);
    this.name = 'InputError';
  }
}

export class CancelledError extends InstallerError {
  constructor(message = 'Cancelled by the user.') {
    super('CANCELLED', message);
    this.name = 'CancelledError';
  }
}

/**
 * Exit codes, as Terraform's detailed exit codes plus sysexits' EX_USAGE. `rebootRequired` is
 * msiexec's ERROR_SUCCESS_REBOOT_REQUIRED (3010): done so far, restart, then run repair. Windows
 * passes 3010 through; a POSIX shell sees it modulo 256, i.e. 194.
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  changesPending: 2,
  invalidInput: 64,
  cancelled: 130,
  rebootRequired: 3010,
} as const;
