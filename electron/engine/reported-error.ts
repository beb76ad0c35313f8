import { InstallerError } from './errors.js';
import type { Redactor } from './redactor.js';
import type { ReportedError } from './report.js';
import { HostActionError } from './host.js';

/** Turns anything thrown into what a person reads: a code, plain words, what to do. */
export function toReportedError(e: unknown, redactor: Redactor, step?: string): ReportedError {
  if (e instanceof InstallerError)
    return { code: e.code, message: redactor.redact(e.message), fix: e.fix && redactor.redact(e.fix), step };
  if (e instanceof HostActionError)
    return {
      code: e.code,
      message: redactor.redact(e.message),
      fix: e.details.hint
        ? redactor.redact(e.details.hint)
        : 'Look at the log for the details, fix the cause, then run repair.',
      step,
    };
  const message = e instanceof Error ? e.message : String(e);
  return {
    code: 'INTERNAL',
    message: redactor.redact(`Unexpected error: ${message}`),
    fix: 'This is a bug in the installer; please report it with the log file.',
    step,
  };
}
