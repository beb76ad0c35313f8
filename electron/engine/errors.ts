/**
 * Errors shown to people: a stable code, what happened in plain words, and what to do.
 * Anything else reaching the top level is a bug and is reported as INTERNAL with the log path.
 */
export class InstallerError extends Error {
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

/** Exit codes, as Terraform's detailed exit codes plus sysexits' EX_USAGE. */
export const EXIT = { ok: 0, failure: 1, changesPending: 2, invalidInput: 64, cancelled: 130 } as const;
