import type { Action } from './actions/index.js';
import type { StepStatus } from './events.js';
import type { Check } from './step.js';

/** What `plan` returns: per applicable step, the actions it would apply (empty: already right). */
export interface PlanResult {
  steps: { id: string; title: string; actions: Action[] }[];
  /** Steps whose appliesTo is false for these answers. */
  skipped: { id: string; title: string }[];
  /** Number of actions in all steps. */
  changes: number;
}

export type RunStatus = 'done' | 'nothing-to-do' | 'failed' | 'cancelled' | 'reboot-required';

export interface StepReport {
  id: string;
  title: string;
  status: StepStatus;
  changed: number;
  message?: string;
}

/** A user-facing failure: stable code, plain words, what to do. */
export interface ReportedError {
  code: string;
  message: string;
  fix?: string;
  step?: string;
}

export interface RunReport {
  runId: string;
  command: 'install' | 'repair' | 'uninstall' | 'verify';
  status: RunStatus;
  ok: boolean;
  exitCode: number;
  message: string;
  steps: StepReport[];
  /** Verify results after converging (install/repair) or alone (verify). */
  checks: Check[];
  /** Repair only: the checks that failed before anything was changed. */
  drift?: Check[];
  /** Steps not done because of a failure, a cancel or a pending reboot. */
  notDone: string[];
  rebootRequired: boolean;
  error?: ReportedError;
  /** The run stopped on bad input (e.g. a preflight finding) before changing anything: exit 64. */
  invalidInput?: boolean;
  /** Set when the previous run was killed: what it was doing. */
  interrupted?: string;
  /** Uninstall: what was left in place on purpose, and where (data, database, logins). */
  kept?: string[];
  logFile?: string;
}
