import { issuePlace } from '../engine/answers/labels.js';
import { InputError, InstallerError, EXIT } from '../engine/errors.js';
import type { RunReport } from '../engine/report.js';
import { toReportedError } from '../engine/reported-error.js';
import { Redactor } from '../engine/redactor.js';
import { SessionError } from '../engine/session-error.js';

/** Writes to stdout/stderr; `--json` puts machine-readable lines on stdout only. */
export const out = (text: string) => process.stdout.write(text);
export const err = (text: string) => process.stderr.write(text);
export const jsonLine = (value: unknown) => out(JSON.stringify(value) + '\n');

/** The report after install/repair/verify/uninstall, in words. */
export function renderReport(r: RunReport): string {
  const lines: string[] = [];
  if (r.interrupted) lines.push(`Note: ${r.interrupted}; the machine was re-probed.`);
  if (r.drift?.length) {
    lines.push('Drift found before repair:');
    for (const c of r.drift) lines.push(`  ✗ ${c.title}: ${c.detail}`);
  }
  if (r.checks.length) {
    const failed = r.checks.filter((c) => !c.ok).length;
    lines.push(`Checks: ${r.checks.length - failed} passed, ${failed} failed`);
    for (const c of r.checks)
      lines.push(`  ${c.ok ? '✓' : '✗'} ${c.title}: ${c.detail}${!c.ok && c.fix ? ` (${c.fix})` : ''}`);
  }
  if (r.notDone.length) lines.push(`Not done: ${r.notDone.join(', ')}`);
  if (r.kept?.length) {
    lines.push('Kept (not removed):');
    for (const k of r.kept) lines.push(`  - ${k}`);
  }
  lines.push(r.message);
  if (r.error && r.status === 'failed') {
    lines.push(`error [${r.error.code}]: ${r.error.message}`);
    if (r.error.fix) lines.push(`  what to do: ${r.error.fix}`);
  }
  if (r.logFile) lines.push(`Log: ${r.logFile}`);
  return lines.join('\n') + '\n';
}

export interface CliFailure {
  exitCode: number;
  code: string;
  message: string;
  fix?: string;
  issues?: { path: string; message: string }[];
  logFile?: string;
}

/** Any error reaching the CLI's top: code, plain words, what to do, log path. Never a stack. */
export function describeFailure(e: unknown, redactor = new Redactor()): CliFailure {
  const logFile = e instanceof SessionError ? e.logFile : e instanceof InstallerError ? e.logFile : undefined;
  const cause = e instanceof SessionError ? e.cause : e;
  if (cause instanceof InputError)
    return {
      exitCode: EXIT.invalidInput,
      code: cause.code,
      message: redactor.redact(cause.message),
      fix: cause.fix,
      issues: redactor.redactDeep(cause.issues),
      logFile,
    };
  const r = toReportedError(cause, redactor);
  return {
    exitCode: cause instanceof InstallerError && cause.code === 'CANCELLED' ? EXIT.cancelled : EXIT.failure,
    ...r,
    logFile,
  };
}

export function printFailure(f: CliFailure, json: boolean): void {
  if (json) jsonLine({ type: 'error', ...f });
  const lines = [`error [${f.code}]: ${f.message}`];
  for (const i of f.issues ?? []) lines.push(`  ${issuePlace(i.path)}: ${i.message}`);
  if (f.fix) lines.push(`  what to do: ${f.fix}`);
  if (f.logFile) lines.push(`  log: ${f.logFile}`);
  err(lines.join('\n') + '\n');
}
