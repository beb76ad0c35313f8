/** A run failed before or outside the steps (lock held, bad profile...): carries the log path. */
export class SessionError extends Error {
  constructor(
    override readonly cause: unknown,
    readonly logFile: string,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'SessionError';
  }
}
