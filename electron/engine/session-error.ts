/** An unexpected error (a bug) ended a run: carries the log path. Installer errors are rethrown as they are. */
export class SessionError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly logFile: string,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'SessionError';
  }
}
